//! `cargofox serve`: serves a built site on 127.0.0.1 for preview and
//! self-hosting, with content types from file extensions, `index.html` for
//! folders, the site's `404.html` for missing pages, and the same
//! Content-Security-Policy the pages carry, as a header.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Builds the router serving `dir`.
pub fn router(dir: PathBuf) -> axum::Router {
    let not_found = ServeFile::new(dir.join("404.html"));
    let files = ServeDir::new(&dir)
        .append_index_html_on_directories(true)
        .not_found_service(not_found);
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    axum::Router::new()
        .fallback_service(files)
        .layer(set(header::CONTENT_SECURITY_POLICY, crate::render::CSP))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
}

/// Serves `dir` on `127.0.0.1:port` until interrupted.
pub fn serve(dir: PathBuf, port: u16) -> anyhow::Result<()> {
    if !dir.join("index.html").is_file() {
        bail!(
            "{} holds no built site (no index.html); run `cargofox build` first",
            dir.display()
        );
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        eprintln!(
            "Serving {} on http://{}/ (Ctrl-C stops)",
            dir.display(),
            listener.local_addr()?
        );
        axum::serve(listener, router(dir))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}
