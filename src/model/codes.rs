//! Finding codes as one type: every code cargofox can report, with its
//! title. A code is written in the JSON as its stable kebab-case string
//! (`build-network`, `pkg-executable`); capability codes are a capability
//! found in source code at a place (`build-`, `macro-` or `code-`).
//! `content/methodology.md` has a section for each code (a test iterates
//! over [`Code::all`]).

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares the capabilities with their code names and titles.
macro_rules! capabilities {
    ($($(#[$doc:meta])* $v:ident = $name:literal, $title:literal;)*) => {
        /// A capability or pattern found in source code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Cap {
            $($(#[$doc])* $v,)*
        }

        impl Cap {
            /// Every capability, in declaration order.
            pub const ALL: &'static [Cap] = &[$(Cap::$v),*];

            /// The name in codes (`process`, `network`...).
            pub fn name(self) -> &'static str {
                match self { $(Cap::$v => $name,)* }
            }

            /// A one-line title.
            pub fn title(self) -> &'static str {
                match self { $(Cap::$v => $title,)* }
            }

            fn code(self, place: Place) -> &'static str {
                match (place, self) {
                    $((Place::Build, Cap::$v) => concat!("build-", $name),
                      (Place::Macro, Cap::$v) => concat!("macro-", $name),
                      (Place::Code, Cap::$v) => concat!("code-", $name),)*
                }
            }
        }
    };
}

capabilities! {
    /// Starts another program.
    Process = "process", "starts another program";
    /// Uses sockets or an HTTP client.
    Network = "network", "opens network connections (sockets or an HTTP client)";
    /// A URL in a string literal.
    Url = "url", "contains a hard-coded URL";
    /// An IP address in a string literal.
    IpAddress = "ip-address", "contains a hard-coded IP address";
    /// Writes, moves or deletes files.
    FsWrite = "fs-write", "writes, moves or deletes files";
    /// Lists folders.
    FsWalk = "fs-walk", "lists folders";
    /// Reads an environment variable whose name looks like a credential.
    EnvCredentials = "env-credentials", "reads an environment variable named like a credential";
    /// Reads an environment variable that tells whether it runs in CI.
    CiDetection = "ci-detection", "checks whether it runs in continuous integration";
    /// Names a home-directory secret in a path (keys, credentials, wallets, browser profiles).
    SecretPaths = "secret-paths", "names a file where secrets are kept";
    /// Loads a library at run time.
    DynamicLoading = "dynamic-loading", "loads a library at run time";
    /// An `extern` block.
    Ffi = "ffi", "declares foreign functions (an extern block)";
    /// `unsafe` code.
    Unsafe = "unsafe", "contains unsafe code";
    /// `include_bytes!` / `include_str!`.
    IncludeBytes = "include-bytes", "embeds a file with include_bytes! or include_str!";
    /// Inline assembly.
    InlineAsm = "inline-asm", "contains inline assembly";
    /// A string literal over 1,000 characters.
    LongString = "long-string", "contains a string literal over 1,000 characters";
    /// A base64 or hex blob in a string literal.
    EncodedBlob = "encoded-blob", "contains a base64 or hex blob";
    /// A high-entropy string literal.
    HighEntropyString = "high-entropy-string", "contains a high-entropy string literal";
    /// An array literal of 512 or more integers.
    ByteArray = "byte-array", "contains an array of 512 or more integers";
    /// XOR with an indexed operand (a key or data array).
    XorDecoding = "xor-decoding", "XORs data with an indexed key";
    /// Decodes base64, hex or compressed data.
    Decoding = "decoding", "decodes base64, hex or compressed data";
    /// A pattern that matches private keys or wallet secrets.
    KeyPattern = "key-pattern", "contains a pattern that matches private keys";
    /// A command line that downloads something or pipes into a shell.
    ShellCommand = "shell-command", "contains a command line that downloads or pipes into a shell";
}

/// Where a capability was found, as the prefix of its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// The build script (`build-`).
    Build,
    /// A procedural macro (`macro-`).
    Macro,
    /// Every other place, library code and tests alike (`code-`).
    Code,
}

impl Place {
    /// Every place.
    pub const ALL: &'static [Place] = &[Place::Build, Place::Macro, Place::Code];
}

/// Declares the codes that are not capabilities.
macro_rules! codes {
    ($($(#[$doc:meta])* $v:ident = $s:literal, $title:literal;)*) => {
        /// A finding code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            /// A capability found in source code at a place.
            Cap(Place, Cap),
            $($(#[$doc])* $v,)*
        }

        /// Every code that is not a capability.
        const OTHERS: &[Code] = &[$(Code::$v),*];

        impl Code {
            /// The stable kebab-case string.
            pub fn as_str(self) -> &'static str {
                match self {
                    Code::Cap(place, cap) => cap.code(place),
                    $(Code::$v => $s,)*
                }
            }

            /// A one-line title.
            pub fn title(self) -> &'static str {
                match self {
                    Code::Cap(_, cap) => cap.title(),
                    $(Code::$v => $title,)*
                }
            }
        }
    };
}

codes! {
    /// The build script writes files and never mentions `OUT_DIR`.
    BuildWriteOutsideOutDir = "build-write-outside-out-dir", "the build script writes files but never mentions OUT_DIR";
    /// A network client where the description says nothing of networking.
    CodeNetworkUnexpected = "code-network-unexpected", "a network client in a crate whose description says nothing about networking";
    /// An executable or prebuilt library in the package.
    PkgExecutable = "pkg-executable", "the package contains an executable or a prebuilt library";
    /// An unusually large file in the package.
    PkgLargeFile = "pkg-large-file", "the package contains an unusually large file";
    /// No `.cargo_vcs_info.json`.
    PkgVcsInfoMissing = "pkg-vcs-info-missing", "the package does not say which commit it was made from";
    /// Made from a dirty working tree.
    PkgVcsDirty = "pkg-vcs-dirty", "the package was made from a working tree with uncommitted changes";
    /// A name close to a popular crate.
    NameTyposquat = "name-typosquat", "the name is one edit or one affix away from a more popular crate";
    /// The same repository as another crate.
    RepoShared = "repo-shared", "another crate claims the same repository";
    /// No repository.
    RepoMissing = "repo-missing", "no repository is given";
    /// A package file its repository lacks at the commit named.
    RepoFileAdded = "repo-file-added", "the package has a file that its repository lacks at the commit it names";
    /// A package file that differs from its repository's.
    RepoFileDiffers = "repo-file-differs", "a file of the package differs from its repository's at the commit it names";
    /// The repository lacks the commit the package names.
    RepoCommitMissing = "repo-commit-missing", "the repository does not have the commit the package names";
    /// The newest release adds dependencies.
    ReleaseNewDependency = "release-new-dependency", "the newest release adds dependencies";
    /// A dependency first published days before.
    ReleaseYoungDependency = "release-young-dependency", "the newest release depends on a crate first published days before";
    /// A build script appears.
    ReleaseBuildScriptAdded = "release-build-script-added", "the newest release adds a build script";
    /// The build script changed.
    ReleaseBuildScriptChanged = "release-build-script-changed", "the newest release changes the build script";
    /// A serious capability appears.
    ReleaseNewCapability = "release-new-capability", "the newest release can do something serious the previous one could not";
    /// Compiled code appears.
    ReleaseNewBinary = "release-new-binary", "the newest release adds compiled code";
    /// The repository changed.
    ReleaseRepositoryChanged = "release-repository-changed", "the repository changed between releases";
    /// The homepage changed.
    ReleaseHomepageChanged = "release-homepage-changed", "the homepage changed between releases";
    /// The package grew or shrank sharply.
    ReleaseSizeJump = "release-size-jump", "the package's size changed sharply between releases";
    /// The release shown was published by an account new to the crate.
    ReleaseNewPublisher = "release-new-publisher", "the release was published by an account that published none of the crate's earlier releases";
    /// The release shown was published by an account created days before.
    ReleaseNewAccount = "release-new-account", "the release was published by an account created days before";
    /// Published with a token after trusted publishing.
    ReleaseBackToToken = "release-back-to-token", "the release was published with an API token after earlier releases came through trusted publishing";
    /// The version number jumps far above the crate's history.
    ReleaseVersionJump = "release-version-jump", "the version number is far above the crate's history (the shape of dependency confusion)";
    /// An owner was added.
    OwnerAdded = "owner-added", "an owner was added since an earlier run";
    /// An owner was removed.
    OwnerRemoved = "owner-removed", "an owner was removed since an earlier run";
    /// An owner added shortly before the newest release.
    OwnerNewBeforeRelease = "owner-new-before-release", "an owner was added shortly before the newest release";
    /// A malicious-crate advisory.
    AdvisoryMalicious = "advisory-malicious", "a RustSec advisory says the crate is malicious";
    /// A vulnerability advisory.
    AdvisoryVulnerability = "advisory-vulnerability", "a RustSec advisory reports a vulnerability in this release";
    /// An unsound or unmaintained advisory.
    AdvisoryInformational = "advisory-informational", "a RustSec advisory says this release is unsound or unmaintained";
    /// A crate of the dependency tree is judged high.
    DepHighRisk = "dep-high-risk", "a crate that this crate depends on, directly or through others, is judged high";
}

impl Code {
    /// Every code, in a stable order.
    pub fn all() -> impl Iterator<Item = Code> {
        Place::ALL
            .iter()
            .flat_map(|p| Cap::ALL.iter().map(move |c| Code::Cap(*p, *c)))
            .chain(OTHERS.iter().copied())
    }

    /// The capability of a capability code.
    pub fn cap(self) -> Option<Cap> {
        match self {
            Code::Cap(_, c) => Some(c),
            _ => None,
        }
    }

    /// Whether this is the capability `cap`, wherever it was found.
    pub fn is(self, cap: Cap) -> bool {
        self.cap() == Some(cap)
    }

    /// The code of a string, if it is one.
    pub fn parse(s: &str) -> Option<Code> {
        Code::all().find(|c| c.as_str() == s)
    }
}

/// The default of a `Finding` built field by field; every real finding sets its code.
#[allow(clippy::derivable_impls)]
impl Default for Code {
    fn default() -> Self {
        Code::RepoMissing
    }
}

impl Serialize for Cap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Cap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        Cap::ALL
            .iter()
            .copied()
            .find(|c| c.name() == s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown capability `{s}`")))
    }
}

impl JsonSchema for Cap {
    fn schema_name() -> Cow<'static, str> {
        "Capability".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let all: Vec<&str> = Cap::ALL.iter().map(|c| c.name()).collect();
        json_schema!({
            "description": "A capability, as named in finding codes after their place.",
            "type": "string",
            "enum": all,
        })
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        Code::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown code `{s}`")))
    }
}

impl JsonSchema for Code {
    fn schema_name() -> Cow<'static, str> {
        "Code".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let all: Vec<&str> = Code::all().map(Code::as_str).collect();
        json_schema!({
            "description": "A finding code, documented on the methodology page.",
            "type": "string",
            "enum": all,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_is_unique() {
        let all: Vec<Code> = Code::all().collect();
        let strings: std::collections::BTreeSet<&str> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(strings.len(), all.len());
        for c in all {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), c);
        }
        assert_eq!(
            Code::Cap(Place::Build, Cap::Network).as_str(),
            "build-network"
        );
        assert!(serde_json::from_str::<Code>("\"no-such-code\"").is_err());
    }
}
