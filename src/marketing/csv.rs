//! CSV lead import and export: a small RFC 4180 reader/writer (quoted fields, doubled
//! quotes, CRLF or LF); an import is validated row by row and written all or nothing.

use entities::lead;
use sea_orm::{QueryOrder, QuerySelect};

use super::{
    MarketingService,
    filter::LeadFilter,
    leads::{CaptureInput, CleanCapture, Consent, Origin, Utm},
    types::{Code, ConsentChannel, MResult, MarketingError, Stage},
};

/// Maximum number of data rows in one import.
pub const MAX_IMPORT_ROWS: usize = 10_000;
/// Maximum number of leads in one export.
pub const MAX_EXPORT_ROWS: u64 = 10_000;

/// Parses CSV text into records. Fails on an unterminated quote.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                line += 1;
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!("Unterminated quoted field (line {line})."));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    // Blank lines are not records.
    records.retain(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    Ok(records)
}

/// Quotes a field when needed; neutralizes spreadsheet formulas (`=`, `+`, `-`, `@`).
pub fn quote(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@']) {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

/// One bad row of an import.
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    /// 1-based line of the data row (the header is line 1).
    pub row: usize,
    pub field: Option<String>,
    pub code: Code,
    pub message: String,
}

/// The outcome of an import.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub errors: Vec<RowError>,
}

const COLUMNS: &[&str] = &[
    "email",
    "first_name",
    "last_name",
    "phone",
    "company",
    "source",
    "stage",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "consent_email",
    "consent_sms",
    "consent_phone",
];

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "y" => Some(true),
        "false" | "no" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// Turns one record into a capture, given the header's column positions.
fn row_input(
    header: &[String],
    record: &[String],
) -> Result<CaptureInput, (Option<String>, String)> {
    if record.len() != header.len() {
        return Err((
            None,
            format!("Expected {} columns, found {}.", header.len(), record.len()),
        ));
    }
    let get = |name: &str| -> Option<String> {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut consents = Vec::new();
    for (col, channel) in [
        ("consent_email", ConsentChannel::Email),
        ("consent_sms", ConsentChannel::Sms),
        ("consent_phone", ConsentChannel::Phone),
    ] {
        if let Some(v) = get(col) {
            let granted = parse_bool(&v).ok_or_else(|| {
                (
                    Some(col.to_owned()),
                    "Use true/false, yes/no or 1/0.".to_owned(),
                )
            })?;
            consents.push(Consent { channel, granted });
        }
    }
    let stage = match get("stage") {
        Some(s) => Some(
            Stage::parse(&s.to_ascii_uppercase().replace([' ', '-'], "_"))
                .ok_or_else(|| (Some("stage".to_owned()), format!("Unknown stage '{s}'.")))?,
        ),
        None => None,
    };
    Ok(CaptureInput {
        email: get("email").unwrap_or_default(),
        first_name: get("first_name"),
        last_name: get("last_name"),
        phone: get("phone"),
        company: get("company"),
        source: get("source").or_else(|| Some("import".to_owned())),
        utm: Utm {
            source: get("utm_source"),
            medium: get("utm_medium"),
            campaign: get("utm_campaign"),
            term: get("utm_term"),
            content: get("utm_content"),
        },
        consents,
        consent_source: Some("import".to_owned()),
        stage,
        ..Default::default()
    })
}

impl MarketingService {
    /// Imports leads from CSV text with a header row (`email` required; other known columns:
    /// see `COLUMNS`). All or nothing: every row is validated first, and any bad row
    /// rejects the file (the report lists every bad row by line number, nothing is
    /// written); a valid file is written in one transaction with batched statements
    /// (`import.rs`).
    pub async fn import_csv(&self, text: &str, requestor: Option<String>) -> MResult<ImportReport> {
        let records = parse(text).map_err(|m| MarketingError::invalid("file", m))?;
        let Some((header, rows)) = records.split_first() else {
            return Err(MarketingError::invalid("file", "The file is empty."));
        };
        let header: Vec<String> = header
            .iter()
            .map(|h| h.trim().to_ascii_lowercase().replace([' ', '-'], "_"))
            .collect();
        if !header.iter().any(|h| h == "email") {
            return Err(MarketingError::field(
                "file",
                Code::Required,
                "The header must have an 'email' column.",
            ));
        }
        if let Some(unknown) = header.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
            return Err(MarketingError::invalid(
                "file",
                format!("Unknown column '{unknown}'."),
            ));
        }
        if rows.len() > MAX_IMPORT_ROWS {
            return Err(MarketingError::invalid(
                "file",
                format!("At most {MAX_IMPORT_ROWS} rows per import."),
            ));
        }
        // Validate every row first: one bad row rejects the whole file.
        let mut errors = Vec::new();
        let mut clean = Vec::with_capacity(rows.len());
        for (i, record) in rows.iter().enumerate() {
            let row = i + 2;
            let checked = row_input(&header, record)
                .map_err(|(field, message)| (field, Code::Invalid, message))
                .and_then(|input| {
                    CleanCapture::new(&input, Origin::Import).map_err(|e| match e {
                        MarketingError::Field {
                            field,
                            code,
                            message,
                        } => (field, code, message),
                        other => (None, Code::Invalid, other.to_string()),
                    })
                });
            match checked {
                Ok(c) => clean.push(c),
                Err((field, code, message)) => errors.push(RowError {
                    row,
                    field,
                    code,
                    message,
                }),
            }
        }
        if !errors.is_empty() {
            return Ok(ImportReport {
                errors,
                ..Default::default()
            });
        }
        let written = self.import_rows(&clean, requestor).await?;
        Ok(ImportReport {
            created: written.created,
            updated: written.updated,
            errors: vec![],
        })
    }

    /// Exports the leads matching `filter` as CSV (at most [`MAX_EXPORT_ROWS`]), oldest first.
    pub async fn export_csv(&self, filter: &LeadFilter) -> MResult<(String, u64)> {
        let (select, _) = self.lead_select(filter).await?;
        let leads = select
            .order_by_asc(lead::Column::Id)
            .limit(MAX_EXPORT_ROWS)
            .all(&self.db)
            .await?;
        let mut out = String::from(
            "email,first_name,last_name,phone,company,source,stage,score,utm_source,utm_medium,utm_campaign,consent_email,consent_sms,consent_phone,created_at\n",
        );
        let b = |v: Option<bool>| v.map_or(String::new(), |v| v.to_string());
        for l in &leads {
            let fields = [
                l.email.clone().unwrap_or_default(),
                l.first_name.clone().unwrap_or_default(),
                l.last_name.clone().unwrap_or_default(),
                l.phone.clone().unwrap_or_default(),
                l.company.clone().unwrap_or_default(),
                l.source.clone().unwrap_or_default(),
                l.stage.clone(),
                l.score.to_string(),
                l.last_utm_source.clone().unwrap_or_default(),
                l.last_utm_medium.clone().unwrap_or_default(),
                l.last_utm_campaign.clone().unwrap_or_default(),
                b(l.consent_email),
                b(l.consent_sms),
                b(l.consent_phone),
                l.created_at.to_rfc3339(),
            ];
            let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        Ok((out, leads.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quotes_and_line_endings() {
        let text = "\u{feff}email,company\r\na@x.io,\"Acme, Inc.\"\r\n\r\nb@x.io,\"say \"\"hi\"\"\nthere\"\nc@x.io,";
        let r = parse(text).unwrap_or_default();
        assert_eq!(r.len(), 4);
        assert_eq!(r[1], vec!["a@x.io", "Acme, Inc."]);
        assert_eq!(r[2], vec!["b@x.io", "say \"hi\"\nthere"]);
        assert_eq!(r[3], vec!["c@x.io", ""]);
        assert!(parse("a,\"b\n").is_err());
    }

    #[test]
    fn quotes_and_neutralizes_formulas() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(quote("say \"x\""), "\"say \"\"x\"\"\"");
    }

    #[test]
    fn row_validation() {
        let header: Vec<String> = ["email", "consent_email", "stage"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ok = row_input(
            &header,
            &["a@x.io".into(), "yes".into(), "marketing qualified".into()],
        );
        assert!(
            ok.as_ref()
                .is_ok_and(|i| i.stage == Some(Stage::MarketingQualified) && i.consents.len() == 1)
        );
        assert!(row_input(&header, &["a@x.io".into(), "maybe".into(), "".into()]).is_err());
        assert!(row_input(&header, &["a@x.io".into()]).is_err());
        assert!(row_input(&header, &["a@x.io".into(), "".into(), "boss".into()]).is_err());
    }
}
