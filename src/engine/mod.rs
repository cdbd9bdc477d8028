//! The batch engine: one export read, scored, staged, ranked and routed. Data
//! flows one way through it: `input` (decoding, dialect, header) and `plan`
//! (rules compiled against the header) -> `batch` (every row scored and staged
//! in one pass: `score`, `stage`) -> `rank` -> `route` (with `owners` and
//! `shares`). `outcomes` reads what became of leads, for the analysts.

pub mod batch;
pub mod input;
pub mod outcomes;
pub mod owners;
pub mod plan;
pub mod rank;
pub mod response;
pub mod route;
pub mod score;
pub mod shares;
pub mod sla;
pub mod stage;
