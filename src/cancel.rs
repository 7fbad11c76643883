//! Stopping on request: one [`Cancel`] is shared by everything a command runs. The binary's Ctrl-C and
//! SIGTERM handler sets it (a library caller may too); the day loop checks it at every day boundary, and
//! writing, drawing and analysing check it between their steps, so every phase stops within about a second
//! and leaves nothing that looks complete.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared stop request; [`Cancel::never`] for work that cannot be stopped.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Option<Arc<AtomicBool>>);

impl Cancel {
    /// A request that is never made.
    pub fn never() -> Cancel {
        Cancel(None)
    }

    /// A request that can be made with [`Cancel::request`], from any thread or a signal handler.
    pub fn new() -> Cancel {
        Cancel(Some(Arc::new(AtomicBool::new(false))))
    }

    /// Asks everything sharing this value to stop; returns true when it had been asked before.
    pub fn request(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f.swap(true, Ordering::SeqCst))
    }

    pub fn requested(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// `Err(Error::Interrupted)` once stopping was requested.
    pub fn check(&self) -> Result<()> {
        if self.requested() {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    }
}
