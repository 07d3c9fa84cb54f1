//! Phone numbers written as E.164 by the numbering plans, in a worker: the plans are
//! large, so only the worker carries them (see [`ferry_core::phone`]).

use crate::worker_job::{ask, JobWords};
use crate::worker_messages::{FromWorker, ToWorker};

/// Each of `cells` as E.164 (`None` where the plans find no valid number), numbers without
/// a country code read as numbers of `region`.
pub async fn format_phones(cells: Vec<String>, region: String) -> Result<Vec<Option<String>>, String> {
    let answer = |message| match message {
        FromWorker::PhonesFormatted { cells } => Some(cells),
        _ => None,
    };
    let words = JobWords {
        stopped: "Ferry's phone check stopped unexpectedly.",
        cancelled: "The phone check was cancelled.",
        not_handed: "Ferry could not hand the phones to its worker",
    };
    ask(ToWorker::FormatPhones { cells, region }, None, answer, words).await
}
