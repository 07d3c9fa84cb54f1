//! The resume journal in IndexedDB: one JSON value per journal key.
//!
//! What goes in is [`ferry_core::journal::Journal`]: row numbers, states and
//! vendor-made ids, under a hashed key. Never a cell value or a credential. The rows in
//! flight are one value under the key; what each step of a send changed (rows sent,
//! ids) is a value of its own under `{key}#part#{sequence}`, so a step never writes
//! what the steps before it wrote. (An earlier version stored its ids under
//! `{key}#ids#{sequence}`; they are still read, and dropped with the other parts.)

use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "ferry";
const STORE: &str = "journals";

fn text(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Waits for an IndexedDB request and returns its result.
async fn finish(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await.map_err(|_| "the browser's storage refused the request".to_string())?;
    request.result().map_err(text)
}

thread_local! {
    /// The database, once opened: a send saves its journal before every request, and
    /// opening the database each time cost more than the write.
    static OPEN: std::cell::RefCell<Option<IdbDatabase>> = const { std::cell::RefCell::new(None) };
}

/// The database, opened once and kept (closed and forgotten when another page asks to
/// upgrade it, or when a transaction cannot be started on it).
async fn database() -> Result<IdbDatabase, String> {
    if let Some(db) = OPEN.with(|o| o.borrow().clone()) {
        return Ok(db);
    }
    let db = open().await?;
    let on_version_change = Closure::<dyn Fn()>::new(forget_database);
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    on_version_change.forget();
    OPEN.with(|o| *o.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// Closes the kept database, so the next call opens it again.
fn forget_database() {
    if let Some(db) = OPEN.with(|o| o.borrow_mut().take()) {
        db.close();
    }
}

/// A transaction on the store, on the kept database (opened again once if it was closed
/// under us).
async fn transaction(mode: IdbTransactionMode) -> Result<web_sys::IdbTransaction, String> {
    let db = database().await?;
    match db.transaction_with_str_and_mode(STORE, mode) {
        Ok(tx) => Ok(tx),
        Err(_) => {
            forget_database();
            database().await?.transaction_with_str_and_mode(STORE, mode).map_err(text)
        }
    }
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window().ok_or("no window")?.indexed_db().map_err(text)?.ok_or("this browser offers no IndexedDB (private mode?)")?;
    let request = factory.open_with_u32(DATABASE, 1).map_err(text)?;
    let upgrade = Closure::once(move |event: web_sys::Event| {
        let Some(target) = event.target() else { return };
        let request: web_sys::IdbOpenDbRequest = target.unchecked_into();
        if let Ok(db) = request.result() {
            let db: IdbDatabase = db.unchecked_into();
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let db = finish(&request).await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    Ok(db?.unchecked_into())
}

/// The keys of `key`'s parts of one kind (`ids`: an earlier version's; `part`), as an
/// IndexedDB key range (in the order written).
fn parts(key: &str, kind: &str) -> Result<JsValue, String> {
    web_sys::IdbKeyRange::bound(&JsValue::from_str(&format!("{key}#{kind}#")), &JsValue::from_str(&format!("{key}#{kind}#\u{ffff}")))
        .map(JsValue::from)
        .map_err(text)
}

/// Both kinds of parts, earlier version's first.
const PART_KINDS: [&str; 2] = ["ids", "part"];

thread_local! {
    /// The next part's sequence: from the clock at first use, then one up each time,
    /// so parts sort in the order written, across sessions too.
    static NEXT_PART: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn next_part() -> u64 {
    NEXT_PART.with(|n| {
        let next = n.get().max(js_sys::Date::now() as u64 * 1024);
        n.set(next + 1);
        next
    })
}

/// The stored journal under `key`, if any: its state and its parts, oldest first.
pub async fn load(key: &str) -> Result<Option<(String, Vec<String>)>, String> {
    let tx = transaction(IdbTransactionMode::Readonly).await?;
    let store = tx.object_store(STORE).map_err(text)?;
    let value = finish(&store.get(&JsValue::from_str(key)).map_err(text)?).await?;
    let Some(state) = value.as_string() else { return Ok(None) };
    let mut stored = Vec::new();
    for kind in PART_KINDS {
        let found = finish(&store.get_all_with_key(&parts(key, kind)?).map_err(text)?).await?;
        let found: js_sys::Array = found.unchecked_into();
        stored.extend(found.iter().filter_map(|p| p.as_string()));
    }
    Ok(Some((state, stored)))
}

/// Stores the journal's `state` under `key` and, if any, the `part` a step changed, in
/// one transaction, returning once the write is durable. With `replace`, the parts
/// stored before are dropped first (`part` then holds the whole journal).
pub async fn save(key: &str, state: &str, part: Option<&str>, replace: bool) -> Result<(), String> {
    let tx = transaction(IdbTransactionMode::Readwrite).await?;
    let store = tx.object_store(STORE).map_err(text)?;
    let done = Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
    });
    if replace {
        for kind in PART_KINDS {
            store.delete(&parts(key, kind)?).map_err(text)?;
        }
    }
    if let Some(part) = part {
        store.put_with_key(&JsValue::from_str(part), &JsValue::from_str(&format!("{key}#part#{:020}", next_part()))).map_err(text)?;
    }
    store.put_with_key(&JsValue::from_str(state), &JsValue::from_str(key)).map_err(text)?;
    JsFuture::from(done).await.map_err(|_| "the browser's storage refused the write".to_string())?;
    Ok(())
}

/// Forgets the journal under `key`.
pub async fn forget(key: &str) -> Result<(), String> {
    let tx = transaction(IdbTransactionMode::Readwrite).await?;
    let store = tx.object_store(STORE).map_err(text)?;
    for kind in PART_KINDS {
        store.delete(&parts(key, kind)?).map_err(text)?;
    }
    finish(&store.delete(&JsValue::from_str(key)).map_err(text)?).await?;
    Ok(())
}
