//! One entry of a package as read from its archive: what the analyze stage
//! reads the package into and what the package signals look at. Below both,
//! so that the signals do not import the stage that calls them.

/// One entry of the package, relative to its `{name}-{version}/` folder.
#[derive(Debug, Clone)]
pub struct RawFile {
    /// Path inside the package, `/`-separated.
    pub path: String,
    /// Size from the tar header.
    pub size: u64,
    /// Contents, when the entry is a regular file within the size limit.
    pub data: Option<Vec<u8>>,
    /// Whether the entry is a regular file.
    pub regular: bool,
}
