//! The import worker's entry point (built by trunk as a `data-type="worker"` binary).

fn main() {
    ferry::worker::start();
}
