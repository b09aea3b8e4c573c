//! `cargofox serve`: serves a built site on 127.0.0.1 for preview and
//! self-hosting, with content types from file extensions, `index.html` for
//! folders, the site's `404.html` for missing pages, and the same
//! Content-Security-Policy the pages carry, as a header. Responses are
//! compressed (brotli or gzip, as the client accepts) and carry cache
//! headers: the theme may be kept a day, the packages of a registry mirror
//! for good (a published package never changes), everything else is
//! revalidated (`Last-Modified`, answered `304 Not Modified` when
//! unchanged), which is what cargo expects of a sparse index. A missing
//! index file is a `404`, which cargo reads as "no such crate".

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// `Cache-Control` of the theme (style sheet, icon), which changes only
/// with a new version of cargofox.
pub const THEME_CACHE: &str = "public, max-age=86400";
/// `Cache-Control` of everything else, which a build may change.
pub const PAGE_CACHE: &str = "no-cache";
/// `Cache-Control` of a registry mirror's packages, which never change.
pub const PACKAGE_CACHE: &str = "public, max-age=31536000, immutable";

async fn cache_control(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let value = if path.contains("/theme/") {
        THEME_CACHE
    } else if path.contains("/registry/crates/") && path.ends_with(".crate") {
        PACKAGE_CACHE
    } else {
        PAGE_CACHE
    };
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

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
        .layer(axum::middleware::from_fn(cache_control))
        // Packages are gzip already: compressing them again only costs time.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/octet-stream")),
        ))
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
