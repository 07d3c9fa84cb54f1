//! The import worker's entry point (built by trunk as a `data-type="worker"` binary).
//! It carries the phone numbering plans, which the page leaves out to load fast.

fn main() {
    ferry_numbering::install();
    ferry::worker::start();
}
