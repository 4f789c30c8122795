//! The attack suite (issue 13, deliverable 8): the security review's hostile inputs and
//! variations on them, each sent to a real `server serve` process, so that a crash or a
//! memory blow-up is seen as such instead of taking the test runner down with it.
//!
//! Every test starts its own server (nextest runs each test in its own process) on a free
//! loopback port with a new SQLite data folder, connects one account, attacks, and then
//! checks what a user would notice:
//!
//! - the answer is a 4xx with the API's error shape, or, for work done by a job (a part's
//!   analysis, a campaign), the file or campaign ends `failed` with a reason (or `ready`)
//!   within a bounded time;
//! - the process is still alive and answers `GET /health`;
//! - its peak resident memory (`VmHWM`) stayed under its start-up peak plus 20× the request's
//!   size, at least 64 MiB ([`harness::HEADROOM`]); a running campaign may use its 1 GiB
//!   budget.

mod campaigns;
mod datasets;
mod harness;
mod parts;
mod requests;
