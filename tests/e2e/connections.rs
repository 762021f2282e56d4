//! Keyset pagination (`core::connection`) against a real database: forward and backward
//! pages, descending keys, cursors that point between pages, and bad cursors.
#![allow(clippy::unwrap_used)]

use crate::common::TestServer;
use bizgraph::core::connection::{
    KeyPart, Page, PageArgs, PageError, PageResult, SortKey, decode_cursor, encode_cursor,
    fetch_page,
};
use entities::channel;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

async fn seed(server: &TestServer) {
    let db = &server.state.db.conn;
    // Names repeat so the unique id breaks ties.
    for i in 0..25 {
        channel::ActiveModel {
            name: Set(format!("name-{}", i % 5)),
            slug: Set(format!("c{i:02}")),
            currency_code: Set("USD".into()),
            default_country: Set("US".into()),
            is_active: Set(true),
            metadata: Set(serde_json::json!({})),
            private_metadata: Set(serde_json::json!({})),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
}

fn key(c: &channel::Model) -> Vec<KeyPart> {
    vec![KeyPart::Str(c.name.clone()), KeyPart::Int(c.id.into())]
}

async fn page(
    server: &TestServer,
    args: PageArgs,
    descending: bool,
) -> Result<PageResult<channel::Model>, PageError> {
    let page = Page::parse(&args, "channels").unwrap();
    let sort = SortKey {
        columns: vec![channel::Column::Name, channel::Column::Id],
        descending,
    };
    fetch_page(&server.state.db.conn, channel::Entity::find(), &sort, &page).await
}

/// Walks every page in one direction and returns the ids in display order.
async fn walk(server: &TestServer, size: i32, backward: bool, descending: bool) -> Vec<i32> {
    let mut out: Vec<i32> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let args = if backward {
            PageArgs {
                last: Some(size),
                before: cursor.clone(),
                ..Default::default()
            }
        } else {
            PageArgs {
                first: Some(size),
                after: cursor.clone(),
                ..Default::default()
            }
        };
        let result = page(server, args, descending).await.unwrap();
        assert!(result.items.len() <= size as usize);
        let ids: Vec<i32> = result.items.iter().map(|c| c.id).collect();
        let more = if backward {
            result.has_previous_page
        } else {
            result.has_next_page
        };
        let edge = if backward {
            result.items.first()
        } else {
            result.items.last()
        };
        cursor = edge.map(|c| encode_cursor(&key(c)));
        if backward {
            out.splice(0..0, ids);
        } else {
            out.extend(ids);
        }
        if !more {
            return out;
        }
    }
}

#[tokio::test]
async fn forward_and_backward_pages_cover_everything_once_in_order() {
    let server = TestServer::start().await;
    seed(&server).await;
    let mut all: Vec<channel::Model> = channel::Entity::find()
        .all(&server.state.db.conn)
        .await
        .unwrap();
    all.sort_by(|a, b| (a.name.as_str(), a.id).cmp(&(b.name.as_str(), b.id)));
    let expected: Vec<i32> = all.iter().map(|c| c.id).collect();
    assert_eq!(
        expected.len(),
        27,
        "25 seeded plus the two default channels"
    );

    assert_eq!(walk(&server, 4, false, false).await, expected);
    assert_eq!(walk(&server, 4, true, false).await, expected);
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(walk(&server, 7, false, true).await, reversed);
    assert_eq!(walk(&server, 7, true, true).await, reversed);
}

#[tokio::test]
async fn page_flags_and_cursor_errors() {
    let server = TestServer::start().await;
    seed(&server).await;
    let first = page(
        &server,
        PageArgs {
            first: Some(5),
            ..Default::default()
        },
        false,
    )
    .await
    .unwrap();
    assert!(first.has_next_page && !first.has_previous_page);
    let after = encode_cursor(&key(first.items.last().unwrap()));
    let second = page(
        &server,
        PageArgs {
            first: Some(5),
            after: Some(after),
            ..Default::default()
        },
        false,
    )
    .await
    .unwrap();
    assert!(second.has_previous_page);
    assert!(
        second
            .items
            .iter()
            .all(|c| !first.items.iter().any(|f| f.id == c.id))
    );

    // A well-formed cursor of the wrong shape is rejected, not a crash.
    let wrong = encode_cursor(&[KeyPart::Int(1)]);
    let err = page(
        &server,
        PageArgs {
            first: Some(5),
            after: Some(wrong),
            ..Default::default()
        },
        false,
    )
    .await;
    assert!(matches!(err, Err(PageError::BadCursor)));
    // Garbage is rejected while parsing arguments.
    let parsed = Page::parse(
        &PageArgs {
            first: Some(5),
            after: Some("%%%".into()),
            ..Default::default()
        },
        "channels",
    );
    assert!(parsed.is_err());
    assert!(decode_cursor("bm9wZQ==").is_err());
}
