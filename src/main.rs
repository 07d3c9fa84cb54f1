//! The page's entry point: mounts the app on `<body>`.

fn main() {
    ferry::start();
}
