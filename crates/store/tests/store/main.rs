//! Store integration tests. They run on the backend chosen by `MC_TEST_DATABASE`
//! (`sqlite` or `postgres`); the test command runs this binary once per backend.

mod db;
mod runner;
mod sessions;
mod tasks;
mod unit_of_work;
mod vocabulary;
