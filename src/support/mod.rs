//! Small utilities the layers share: fixed-point numbers (`num`), day numbers
//! and date parsing (`date`), id and email normal forms (`identity`), phase
//! timings (`timings`), working time (`worktime`).

pub mod date;
pub mod identity;
pub mod num;
pub mod suggest;
pub mod timings;
pub mod worktime;
