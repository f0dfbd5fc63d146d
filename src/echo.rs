//! `kyushoku demo --webhook-echo`: a local webhook receiver that prints
//! what it gets (event type, `webhook-id`, body) and answers 204, so that
//! webhooks can be tried on one machine. `GET /received` lists what came,
//! one JSON object a line (`id`, `timestamp`, `signature`, `body`), for a
//! script that verifies the signatures. A demo tool: it keeps the last
//! thousand requests in memory and nothing else.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

const KEEP: usize = 1000;

#[derive(Clone, Default)]
struct Received(Arc<Mutex<VecDeque<serde_json::Value>>>);

fn header(req: &HttpRequest, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

async fn receive(req: HttpRequest, body: web::Bytes, got: web::Data<Received>) -> HttpResponse {
    let body = String::from_utf8_lossy(&body).into_owned();
    let kind = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let id = header(&req, "webhook-id");
    eprintln!("webhook-echo: {kind} webhook-id={id} {body}");
    let mut list = got.0.lock().unwrap_or_else(|e| e.into_inner());
    if list.len() == KEEP {
        list.pop_front();
    }
    list.push_back(serde_json::json!({
        "id": id,
        "timestamp": header(&req, "webhook-timestamp"),
        "signature": header(&req, "webhook-signature"),
        "body": body,
    }));
    HttpResponse::NoContent().finish()
}

async fn received(got: web::Data<Received>) -> HttpResponse {
    let list = got.0.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = String::new();
    for r in list.iter() {
        out.push_str(&r.to_string());
        out.push('\n');
    }
    HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .body(out)
}

/// Starts the receiver on `addr`; returns the URL to register.
pub fn start(addr: SocketAddr) -> anyhow::Result<String> {
    let got = Received::default();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(got.clone()))
            .app_data(web::PayloadConfig::new(64 * 1024))
            .route("/received", web::get().to(received))
            .default_service(web::post().to(receive))
    })
    .workers(1)
    .disable_signals()
    .bind(addr)
    .map_err(|e| anyhow::anyhow!("--webhook-echo {addr}: {e}"))?;
    let bound = server.addrs()[0];
    tokio::spawn(server.run());
    Ok(format!("http://{bound}/hooks"))
}
