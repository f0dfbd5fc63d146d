//! Admission control for what callers are shown (searches, reads,
//! downloads): at most `in_flight` run at once in this instance; the rest
//! wait here, in order, and one that would wait longer than `wait` is
//! answered 503 with `Retry-After`. The queue then builds in the HTTP
//! layer, not inside the database, where every waiting query would slow
//! the ones running (docs/benchmarks.md, session 30).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::problem::ApiError;

/// The seconds a turned-away caller is asked to wait.
pub const RETRY_AFTER_SECS: u64 = 1;

#[derive(Debug)]
pub struct Admission {
    permits: Arc<Semaphore>,
    wait: Duration,
}

/// A place among the running; the next in line goes when it is dropped.
#[derive(Debug)]
pub struct Admitted(#[allow(dead_code)] OwnedSemaphorePermit);

impl Admission {
    /// `in_flight` at once (at least one), each waiting at most `wait`.
    pub fn new(in_flight: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(in_flight.max(1))),
            wait,
        }
    }

    /// A place, once one is free; [`ApiError::Busy`] if none frees within
    /// the wait.
    pub async fn admit(&self) -> Result<Admitted, ApiError> {
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Admitted(permit)),
            // Timed out, or (never: it is not closed) the semaphore closed.
            _ => Err(ApiError::Busy {
                retry_after: RETRY_AFTER_SECS,
            }),
        }
    }

    /// Every place, for as long as the answer is held: what a test uses to
    /// fill the instance.
    pub async fn occupy_all(&self, in_flight: usize) -> Admitted {
        let permit = self
            .permits
            .clone()
            .acquire_many_owned(in_flight.max(1) as u32)
            .await
            .expect("the semaphore is never closed");
        Admitted(permit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_caller_waits_for_a_place_then_is_turned_away() {
        let a = Admission::new(1, Duration::from_millis(30));
        let first = a.admit().await.unwrap();
        assert!(matches!(
            a.admit().await,
            Err(ApiError::Busy { retry_after: 1 })
        ));
        drop(first);
        assert!(a.admit().await.is_ok());
    }
}
