//! cargo-crev reviews of a crate as its report shows them: those of the
//! version shown first, then newer versions before older, newest proofs
//! first.

use std::cmp::Reverse;

use crate::fetch::crev::CrevReview;
use crate::model::CrevReviewRecord;

/// The reviews of a crate whose version shown is `version`.
pub fn of(reviews: &[CrevReview], version: &str) -> Vec<CrevReviewRecord> {
    let mut out: Vec<CrevReviewRecord> = reviews
        .iter()
        .map(|r| CrevReviewRecord {
            applies: r.review.version == version,
            ..r.review.clone()
        })
        .collect();
    out.sort_by_key(|r| {
        (
            !r.applies,
            Reverse(semver::Version::parse(&r.version).ok()),
            Reverse(r.date.clone()),
            r.reviewer.clone(),
        )
    });
    out
}
