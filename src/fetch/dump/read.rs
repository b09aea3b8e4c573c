//! Streaming the dump: the gzip-compressed tar is read once, front to back,
//! and every `*/data/{table}.csv` entry of a table cargofox uses is parsed
//! record by record as it passes (never held whole). Columns are found by
//! their header name, so added columns are ignored and a needed column that
//! is gone is an error naming it; [`DumpError`] says what failed and where.

use std::io::Read;
use std::path::Path;

use super::tables::{self, Raw};

/// Why the dump could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// The file could not be opened or decompressed, or the archive is broken.
    #[error("reading the archive: {0}")]
    Io(#[from] std::io::Error),
    /// A CSV file is malformed.
    #[error("table `{table}`: {source}")]
    Csv {
        /// The table.
        table: &'static str,
        /// What the CSV reader said.
        #[source]
        source: csv::Error,
    },
    /// A table cargofox needs has no `data/{table}.csv` in the archive.
    #[error("the dump has no table `{table}` (data/{table}.csv)")]
    MissingTable {
        /// The table.
        table: &'static str,
    },
    /// A column cargofox needs is not in the table's header.
    #[error("table `{table}` has no column `{column}`")]
    MissingColumn {
        /// The table.
        table: &'static str,
        /// The column (the current name, when an older one is accepted too).
        column: &'static str,
    },
    /// A cell cannot be read as what its column holds.
    #[error("table `{table}`, column `{column}`, line {line}: unreadable value {value:?}")]
    BadValue {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// Line of the CSV file (the header is line 1).
        line: u64,
        /// The cell, cut to 100 characters.
        value: String,
    },
}

/// Reads every table cargofox uses from the archive at `path` into `raw`.
pub(super) fn read_archive(path: &Path, raw: &mut Raw) -> Result<(), DumpError> {
    let file = std::fs::File::open(path)?;
    let gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 16, file));
    let mut archive = tar::Archive::new(gz);
    let mut seen = [false; tables::TABLES.len()];
    for entry in archive.entries()? {
        let entry = entry?;
        let Some(i) = table_of(&entry.path()?) else {
            continue;
        };
        if seen[i] {
            continue;
        }
        seen[i] = true;
        let mut table = Table::new(tables::TABLES[i], entry)?;
        tables::read(&mut table, raw)?;
    }
    match tables::TABLES.iter().zip(seen).find(|(_, seen)| !seen) {
        Some((table, _)) => Err(DumpError::MissingTable { table }),
        None => Ok(()),
    }
}

/// Index in [`tables::TABLES`] of the table an entry holds, for
/// `{anything}/data/{table}.csv`.
fn table_of(path: &Path) -> Option<usize> {
    let parent = path.parent()?.file_name()?;
    if parent != "data" || path.extension()? != "csv" {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    tables::TABLES.iter().position(|t| *t == stem)
}

/// One table's CSV, read record by record into one reused buffer.
pub(super) struct Table<R> {
    name: &'static str,
    reader: csv::Reader<R>,
    header: csv::ByteRecord,
    record: csv::ByteRecord,
}

impl<R: Read> Table<R> {
    fn new(name: &'static str, input: R) -> Result<Self, DumpError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        let header = reader
            .byte_headers()
            .map_err(|source| DumpError::Csv {
                table: name,
                source,
            })?
            .clone();
        Ok(Self {
            name,
            reader,
            header,
            record: csv::ByteRecord::new(),
        })
    }

    /// The table's name.
    pub(super) fn name(&self) -> &'static str {
        self.name
    }

    /// The position of each of `names` in the header.
    pub(super) fn columns<const N: usize>(
        &self,
        names: [&'static str; N],
    ) -> Result<[Column; N], DumpError> {
        let mut out = [Column { index: 0, name: "" }; N];
        for (slot, name) in out.iter_mut().zip(names) {
            *slot = self.column_of(&[name])?;
        }
        Ok(out)
    }

    /// The first of `names` the header has (the current name first, then
    /// older ones); missing, the error names the first.
    pub(super) fn column_of(&self, names: &[&'static str]) -> Result<Column, DumpError> {
        names
            .iter()
            .find_map(|&name| {
                let index = self.header.iter().position(|h| h == name.as_bytes())?;
                Some(Column { index, name })
            })
            .ok_or(DumpError::MissingColumn {
                table: self.name,
                column: names[0],
            })
    }

    /// The next record, or `None` at the end of the table.
    pub(super) fn next_row(&mut self) -> Result<Option<Row<'_>>, DumpError> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|source| DumpError::Csv {
                table: self.name,
                source,
            })?;
        Ok(more.then_some(Row {
            table: self.name,
            record: &self.record,
        }))
    }
}

/// A column found in a header.
#[derive(Debug, Clone, Copy)]
pub(super) struct Column {
    index: usize,
    name: &'static str,
}

/// One record of a table.
pub(super) struct Row<'a> {
    table: &'static str,
    record: &'a csv::ByteRecord,
}

impl Row<'_> {
    /// The cell of `column` as text (empty for NULL).
    pub(super) fn text(&self, column: Column) -> Result<&str, DumpError> {
        let bytes = self.record.get(column.index).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|_| self.bad(column, &String::from_utf8_lossy(bytes)))
    }

    /// The cell of `column` read by `parse`; NULL or unreadable is an error.
    pub(super) fn get<T>(
        &self,
        column: Column,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, DumpError> {
        let s = self.text(column)?;
        parse(s).ok_or_else(|| self.bad(column, s))
    }

    /// The cell of `column` read by `parse`, `None` for NULL.
    pub(super) fn opt<T>(
        &self,
        column: Column,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, DumpError> {
        let s = self.text(column)?;
        if s.is_empty() {
            return Ok(None);
        }
        parse(s).map(Some).ok_or_else(|| self.bad(column, s))
    }

    /// The cell of `column` as owned text, `None` for NULL or empty.
    pub(super) fn string(&self, column: Column) -> Result<Option<String>, DumpError> {
        let s = self.text(column)?;
        Ok((!s.is_empty()).then(|| s.to_owned()))
    }

    fn bad(&self, column: Column, value: &str) -> DumpError {
        DumpError::BadValue {
            table: self.table,
            column: column.name,
            line: self.record.position().map_or(0, |p| p.line()),
            value: value.chars().take(100).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tables::Raw;
    use super::super::values::{boolean, int};
    use super::*;

    fn table(csv: &str) -> Table<&[u8]> {
        Table::new("versions", csv.as_bytes()).unwrap()
    }

    #[test]
    fn columns_are_found_by_name_and_others_ignored() {
        let mut t = table("zeta,id,num,brand_new\nx,7,1.0.0,\"a, b\"\n,8,2.0.0,\n");
        let [num, id] = t.columns(["num", "id"]).unwrap();
        let mut rows = Vec::new();
        while let Some(r) = t.next_row().unwrap() {
            rows.push((
                r.get(id, int::<u32>).unwrap(),
                r.text(num).unwrap().to_owned(),
            ));
        }
        assert_eq!(rows, [(7, "1.0.0".to_owned()), (8, "2.0.0".to_owned())]);
    }

    #[test]
    fn a_missing_column_is_named_with_its_current_name() {
        let t = table("id,gh_login\n1,alice\n");
        let err = t.columns(["id", "published_by"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "table `versions` has no column `published_by`"
        );
        assert!(t.column_of(&["username", "gh_login"]).is_ok());
        let err = t.column_of(&["username", "login"]).unwrap_err();
        assert!(matches!(
            err,
            DumpError::MissingColumn {
                table: "versions",
                column: "username"
            }
        ));
    }

    #[test]
    fn a_bad_value_names_table_column_line_and_value() {
        let mut t = table("id,yanked\n1,t\n2,maybe\n");
        let [yanked] = t.columns(["yanked"]).unwrap();
        let r = t.next_row().unwrap().unwrap();
        assert!(r.get(yanked, boolean).unwrap());
        let r = t.next_row().unwrap().unwrap();
        let err = r.get(yanked, boolean).unwrap_err();
        assert_eq!(
            err.to_string(),
            "table `versions`, column `yanked`, line 3: unreadable value \"maybe\""
        );
        let r = t.next_row().unwrap();
        assert!(r.is_none());
    }

    #[test]
    fn null_is_none_for_optional_cells_and_an_error_for_required_ones() {
        let mut t = table("id,crate_size\n1,\n");
        let [id, size] = t.columns(["id", "crate_size"]).unwrap();
        let r = t.next_row().unwrap().unwrap();
        assert_eq!(r.opt(size, int::<u64>).unwrap(), None);
        assert_eq!(r.string(size).unwrap(), None);
        assert_eq!(r.get(id, int::<u32>).unwrap(), 1);
        assert!(matches!(
            r.get(size, int::<u64>),
            Err(DumpError::BadValue { line: 2, .. })
        ));
    }

    #[test]
    fn a_missing_table_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.tar.gz");
        // Every table but one, each with the columns read.
        let headers = |table: &str| -> &'static str {
            match table {
                "categories" => "id,slug,category",
                "crate_downloads" => "crate_id,downloads",
                "crate_owners" => "crate_id,owner_id,owner_kind,created_at",
                "crates" => "id,name,created_at,repository,trustpub_only",
                "crates_categories" => "crate_id,category_id",
                "crates_keywords" => "crate_id,keyword_id",
                "default_versions" => "crate_id,version_id",
                "dependencies" => "version_id,crate_id,kind,optional",
                "keywords" => "id,keyword",
                "teams" => "id,login,name",
                "users" => "id,name,username",
                "version_downloads" => "version_id,date,downloads",
                "versions" => "id,crate_id,num,yanked,created_at,downloads,crate_size,published_by",
                _ => "",
            }
        };
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        for table in tables::TABLES.iter().filter(|t| **t != "deleted_crates") {
            let csv = format!("{}\n", headers(table));
            let mut h = tar::Header::new_gnu();
            h.set_size(csv.len() as u64);
            h.set_mode(0o644);
            tar.append_data(&mut h, format!("d/data/{table}.csv"), csv.as_bytes())
                .unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
        let err = read_archive(&path, &mut Raw::default()).unwrap_err();
        assert!(
            matches!(
                err,
                DumpError::MissingTable {
                    table: "deleted_crates"
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "the dump has no table `deleted_crates` (data/deleted_crates.csv)"
        );
    }

    #[test]
    fn only_data_csv_entries_of_known_tables_are_read() {
        let of = |p: &str| table_of(Path::new(p)).map(|i| tables::TABLES[i]);
        assert_eq!(of("2026-11-20-020000/data/crates.csv"), Some("crates"));
        assert_eq!(of("x/data/reserved_crate_names.csv"), None);
        assert_eq!(of("x/crates.csv"), None);
        assert_eq!(of("x/data/crates.txt"), None);
    }
}
