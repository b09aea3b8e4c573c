//! Long lists as pages of at most [`PAGE_ROWS`] rows: `{base}`, then
//! `{base}2/`, `{base}3/`… Every list of the site that grows with the crate
//! count (crates by first letter, owners, categories, keywords, the crates
//! of each risk level) goes through here, so that no page and no page's
//! view in memory grows with the registry: a page's rows are made when the
//! page is rendered and dropped once it is written.

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

/// Rows of a list page.
pub const PAGE_ROWS: usize = 500;

/// Where a page stands in its list, for the page links.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Paging {
    /// This page's number, from 1.
    pub number: usize,
    /// How many pages the list has.
    pub pages: usize,
    /// Rows of the whole list.
    pub total: usize,
    /// The first row of this page, from 1 (0 for an empty list).
    pub first_row: usize,
    /// The last row of this page.
    pub last_row: usize,
    /// Links to the first, last and nearby pages, in order.
    pub links: Vec<PageLink>,
}

/// One link of a page's navigation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PageLink {
    /// Page number, or `…` for a gap.
    pub label: String,
    /// The page's path below the site root; `None` for a gap.
    pub path: Option<String>,
    /// Whether it is the page shown.
    pub current: bool,
}

/// How many pages of [`PAGE_ROWS`] rows `total` rows take (an empty list
/// is one page, which says it is empty).
pub fn page_count(total: usize) -> usize {
    total.div_ceil(PAGE_ROWS).max(1)
}

/// The path of page `number` of the list at `base` (which ends with `/`).
pub fn page_path(base: &str, number: usize) -> String {
    if number <= 1 {
        base.to_owned()
    } else {
        format!("{base}{number}/")
    }
}

/// Page `number` of `pages`: links to the first and the last page and to
/// two pages on either side, gaps shown once.
pub fn paging(base: &str, number: usize, total: usize) -> Paging {
    let pages = page_count(total);
    let mut links = Vec::new();
    let mut last_shown = 0;
    for n in 1..=pages {
        let near = n.abs_diff(number) <= 2;
        if !(n == 1 || n == pages || near) {
            continue;
        }
        if n > last_shown + 1 {
            links.push(PageLink {
                label: "…".to_owned(),
                path: None,
                current: false,
            });
        }
        links.push(PageLink {
            label: n.to_string(),
            path: Some(page_path(base, n)),
            current: n == number,
        });
        last_shown = n;
    }
    let first_row = if total == 0 {
        0
    } else {
        (number - 1) * PAGE_ROWS + 1
    };
    Paging {
        number,
        pages,
        total,
        first_row,
        last_row: (number * PAGE_ROWS).min(total),
        links,
    }
}

/// Renders the list `items` at `base` as pages of [`PAGE_ROWS`] items, in
/// parallel: `page` makes the HTML of one page from its items and its
/// [`Paging`]. Returns the paths written (for the sitemap), in order.
pub fn write_paged<T: Sync>(
    dir: &Path,
    base: &str,
    items: &[T],
    page: impl Fn(&[T], &Paging) -> anyhow::Result<String> + Sync,
) -> anyhow::Result<Vec<String>> {
    let pages = page_count(items.len());
    (1..=pages)
        .into_par_iter()
        .map(|n| {
            let from = ((n - 1) * PAGE_ROWS).min(items.len());
            let to = (n * PAGE_ROWS).min(items.len());
            let html = page(&items[from..to], &paging(base, n, items.len()))?;
            let path = page_path(base, n);
            super::write(dir, &format!("{path}index.html"), &super::minify(&html))?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(p: &Paging) -> Vec<String> {
        p.links
            .iter()
            .map(|l| {
                if l.current {
                    format!("[{}]", l.label)
                } else {
                    l.label.clone()
                }
            })
            .collect()
    }

    #[test]
    fn pages_link_the_ends_and_their_neighbours() {
        let total = PAGE_ROWS * 9 + 1;
        let p = paging("keywords/cli/", 5, total);
        assert_eq!(
            shown(&p),
            ["1", "…", "3", "4", "[5]", "6", "7", "…", "10"].map(String::from)
        );
        assert_eq!(
            (p.pages, p.first_row, p.last_row),
            (10, 4 * PAGE_ROWS + 1, 5 * PAGE_ROWS)
        );
        assert_eq!(p.links[0].path.as_deref(), Some("keywords/cli/"));
        assert_eq!(p.links[8].path.as_deref(), Some("keywords/cli/10/"));
        let last = paging("keywords/cli/", 10, total);
        assert_eq!((last.first_row, last.last_row), (9 * PAGE_ROWS + 1, total));
        assert_eq!(shown(&paging("x/", 1, 3)), ["[1]"]);
        let empty = paging("x/", 1, 0);
        assert_eq!((empty.pages, empty.first_row, empty.last_row), (1, 0, 0));
    }

    #[test]
    fn every_item_is_on_exactly_one_page() {
        let dir = tempfile::tempdir().unwrap();
        let items: Vec<usize> = (0..PAGE_ROWS * 2 + 3).collect();
        let seen = std::sync::Mutex::new(Vec::new());
        let paths = write_paged(dir.path(), "all/", &items, |rows, p| {
            seen.lock().unwrap().extend_from_slice(rows);
            Ok(format!("<p>page {} of {}</p>", p.number, p.pages))
        })
        .unwrap();
        assert_eq!(paths, ["all/", "all/2/", "all/3/"]);
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, items);
        let third = std::fs::read_to_string(dir.path().join("all/3/index.html")).unwrap();
        assert_eq!(third, "<p>page 3 of 3</p>");
    }
}
