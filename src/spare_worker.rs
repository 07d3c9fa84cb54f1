//! A worker started before it is needed: starting one (fetching and compiling its wasm)
//! takes a noticeable moment, so the page starts one when it loads and another each time
//! one is used up. A job that finds one waiting skips that moment.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use web_sys::Worker;

use crate::worker_messages::{listen, open, FromWorker};

/// Where trunk puts the worker's loader, next to the page.
pub const WORKER_URL: &str = "./ferry-worker_loader.js";

/// How far a spare worker has got.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Boot {
    Starting,
    Ready,
    Failed,
}

struct Spare {
    worker: Worker,
    boot: Rc<Cell<Boot>>,
}

thread_local! {
    static SPARE: RefCell<Option<Spare>> = const { RefCell::new(None) };
}

/// A worker handed to a job.
pub struct Started {
    /// The worker; the job sets its own `onmessage` and `onerror`.
    pub worker: Worker,
    /// It has already said `ready`: the job sends its request at once (otherwise it
    /// waits for `ready`, as with a new worker).
    pub ready: bool,
}

/// Starts a spare worker, unless one is waiting already or workers cannot start here.
pub fn warm() {
    if SPARE.with(|s| s.borrow().is_some()) {
        return;
    }
    let Ok(worker) = Worker::new(WORKER_URL) else { return };
    let boot = Rc::new(Cell::new(Boot::Starting));
    let ready = boot.clone();
    let failed = boot.clone();
    // Both are replaced when a job takes the worker.
    listen(
        &worker,
        move |data| {
            if matches!(open::<FromWorker>(&data), Some((FromWorker::Ready, _))) {
                ready.set(Boot::Ready);
            }
        },
        move || failed.set(Boot::Failed),
    );
    SPARE.with(|s| *s.borrow_mut() = Some(Spare { worker, boot }));
}

/// A worker for a job: the spare one if it is starting or ready, else a new one; `None`
/// when no worker can start here (an import then says why; a check works on the page).
pub fn take() -> Option<Started> {
    match SPARE.with(|s| s.borrow_mut().take()) {
        Some(Spare { worker, boot }) if boot.get() != Boot::Failed => Some(Started { worker, ready: boot.get() == Boot::Ready }),
        Some(Spare { worker, .. }) => {
            worker.terminate();
            Worker::new(WORKER_URL).ok().map(|worker| Started { worker, ready: false })
        }
        None => Worker::new(WORKER_URL).ok().map(|worker| Started { worker, ready: false }),
    }
}
