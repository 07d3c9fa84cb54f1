//! JSON files: an array of objects, one per row; keys become columns in first-seen order.

use serde_json::Value;

use super::{tidy_headers, ReadError, Row, Sheet};

/// Reads `[{...}, {...}]` (or `{"data": [...]}` / `{"records": [...]}`) into a sheet.
/// Nested values are kept as JSON text; `null` is an empty cell.
pub fn read_json(bytes: &[u8]) -> Result<Sheet, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ReadError::Json { line: e.line(), column: e.column(), detail: e.to_string() })?;
    let items = match &value {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("data").or_else(|| o.get("records")).or_else(|| o.get("rows")) {
            Some(Value::Array(a)) => a,
            _ => return Err(ReadError::Json { line: 1, column: 1, detail: "the top level is an object, not an array".into() }),
        },
        _ => return Err(ReadError::Json { line: 1, column: 1, detail: "the top level is not an array".into() }),
    };
    let mut keys: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else {
            return Err(ReadError::Json { line: 1, column: 1, detail: format!("item {} of the array is not an object", i + 1) });
        };
        for k in o.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    if keys.is_empty() {
        return Err(ReadError::Empty);
    }
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else { continue };
        let cells: Vec<String> = keys.iter().map(|k| o.get(k).map(text).unwrap_or_default()).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push(Row { number: i + 2, cells });
        }
    }
    Ok(Sheet::from_rows(tidy_headers(keys), rows))
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_of_objects_become_rows() {
        let sheet = read_json(br#"[{"email":"a@b.lv","age":34,"ok":true},{"email":"c@d.lv","phone":"+371 2","tags":["x"]}]"#).unwrap();
        assert_eq!(sheet.headers, ["email", "age", "ok", "phone", "tags"]);
        assert_eq!(sheet.row(1), ["c@d.lv", "", "", "+371 2", "[\"x\"]"]);
        assert_eq!(read_json(br#"{"data":[{"a":1}]}"#).unwrap().row(0), ["1"]);
    }

    #[test]
    fn broken_json_names_line_and_column() {
        let err = read_json(b"[\n{\"a\": 1,}\n]").unwrap_err();
        assert!(matches!(err, ReadError::Json { line: 2, .. }), "{err:?}");
        assert!(err.to_string().starts_with("Line 2, column"));
        assert!(read_json(b"[1,2]").unwrap_err().to_string().contains("item 1 of the array is not an object"));
    }
}
