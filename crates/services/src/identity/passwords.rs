//! Argon2id (m = 19 MiB, t = 2, p = 1: OWASP's minimum) on a few threads of its own, one per
//! core. Without a cap, a few hundred parallel sign-ups would each hold 19 MiB and every core
//! (security review H3); with it, the rest wait their turn, or get a 503 after
//! [`PasswordHashing::WAIT`]. Each thread allocates its 19 MiB of Argon2 memory once and reuses
//! it: measured here, letting the `argon2` crate allocate per hash grew the process by about
//! 19 MiB per hash (glibc does not reuse the freed 64-byte-aligned blocks), so memory would
//! have grown with the number of sign-ups rather than with the number of cores.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use store::accounts::PasswordHash;
use tokio::sync::Semaphore;

use crate::ServiceError;

/// Work for a hashing thread, given the thread's Argon2 memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The gate in front of password hashing and its threads, shared by every request of a
/// process. The threads end when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct PasswordHashing {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
}

impl PasswordHashing {
    /// How long a request waits for its turn before answering 503.
    pub const WAIT: Duration = Duration::from_secs(10);

    /// At most `concurrent` hashes at once (at least one), on as many threads.
    pub fn new(concurrent: usize) -> Self {
        let threads = concurrent.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    // Allocated by the first hash, then reused by every later one.
                    let mut memory = Vec::new();
                    loop {
                        // The lock is held only while taking a job, never while running it.
                        let job = {
                            let Ok(receiver) = queue.lock() else { return };
                            receiver.recv()
                        };
                        let Ok(job) = job else { return };
                        job(&mut memory);
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a password-hashing thread");
            }
        }
        Self {
            permits: Arc::new(Semaphore::new(threads)),
            jobs,
        }
    }

    /// One hash per core.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, usize::from))
    }

    /// Runs `work` on a hashing thread once one is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let permit = tokio::time::timeout(Self::WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| {
                ServiceError::Unavailable(anyhow::anyhow!(
                    "every password-hashing slot stayed busy for {:?}",
                    Self::WAIT
                ))
            })?
            .context("password hashing gate closed")?;
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |memory: &mut Vec<Block>| {
                let _permit = permit;
                let _ = done.send(work(memory));
            }))
            .map_err(|_| anyhow::anyhow!("the password-hashing threads are gone"))?;
        Ok(result.await.context("password hashing task")?)
    }

    /// A new Argon2id hash of `password`, as a PHC string.
    pub async fn hash(&self, password: SecretString) -> Result<PasswordHash, ServiceError> {
        self.run(move |memory| hash_with(memory, password.expose_secret().as_bytes()))
            .await?
            .map(PasswordHash::new)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("hashing a password: {e}")))
    }

    /// Verifies against `hash`, or against a fixed dummy hash when there is none, so an
    /// unknown email takes as long as a wrong password (no account enumeration by timing).
    pub async fn verify(
        &self,
        password: SecretString,
        hash: Option<PasswordHash>,
    ) -> Result<bool, ServiceError> {
        static DUMMY: OnceLock<String> = OnceLock::new();
        self.run(move |memory| {
            let dummy =
                DUMMY.get_or_init(|| hash_with(memory, b"not a real password").unwrap_or_default());
            let (stored, real) = match &hash {
                Some(h) => (h.expose(), true),
                None => (dummy.as_str(), false),
            };
            let ok = verify_with(memory, password.expose_secret().as_bytes(), stored);
            ok && real
        })
        .await
    }
}

/// Argon2id with the default parameters into `memory`; the PHC string.
fn hash_with(
    memory: &mut Vec<Block>,
    password: &[u8],
) -> Result<String, argon2::password_hash::Error> {
    let params = Params::default();
    if memory.len() < params.block_count() {
        *memory = vec![Block::default(); params.block_count()];
    }
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut salt_bytes)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon.hash_password_into_with_memory(
        password,
        raw_salt,
        &mut out,
        &mut memory[..params.block_count()],
    )?;
    let hash = argon2::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored` (any Argon2 variant and parameters; a
/// hash needing more memory than `memory` gets its own for that one check).
fn verify_with(memory: &mut Vec<Block>, password: &[u8], stored: &str) -> bool {
    let mut check = || -> Result<bool, argon2::password_hash::Error> {
        let parsed = argon2::PasswordHash::new(stored)?;
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let params = Params::try_from(&parsed)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Ok(false);
        };
        let argon = Argon2::new(algorithm, version, params.clone());
        let mut salt_bytes = [0u8; 64];
        let raw_salt = salt.decode_b64(&mut salt_bytes)?;
        let mut out = vec![0u8; expected.len()];
        let blocks = params.block_count();
        if memory.len() < blocks && blocks <= Params::default().block_count() {
            *memory = vec![Block::default(); Params::default().block_count()];
        }
        if blocks <= memory.len() {
            argon.hash_password_into_with_memory(
                password,
                raw_salt,
                &mut out,
                &mut memory[..blocks],
            )?;
        } else {
            argon.hash_password_into(password, raw_salt, &mut out)?;
        }
        // `Output`'s equality is constant-time.
        Ok(Output::new(&out)? == expected)
    };
    check().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_permits() {
        let gate = PasswordHashing::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let gate = gate.clone();
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(async move {
                    gate.run(move |_memory| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                    .unwrap();
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let gate = PasswordHashing::new(1);
        let hash = gate
            .hash(SecretString::from("correct horse battery"))
            .await
            .unwrap();
        assert!(gate
            .verify(
                SecretString::from("correct horse battery"),
                Some(hash.clone())
            )
            .await
            .unwrap());
        assert!(!gate
            .verify(SecretString::from("wrong horse battery"), Some(hash))
            .await
            .unwrap());
        assert!(!gate
            .verify(SecretString::from("not a real password"), None)
            .await
            .unwrap());
    }
}
