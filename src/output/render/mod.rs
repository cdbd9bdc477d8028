//! Rendering is pure: each function takes results and returns or writes bytes;
//! the same function serves the terminal and the tests.

pub mod csv;
pub mod html;
pub mod summary;
pub mod table;
pub mod terminal;
pub mod warnings;
