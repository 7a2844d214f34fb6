//! A local S3-compatible server for development and the conformance run of `scripts/test.sh`:
//! objects in a folder, SigV4 signatures checked.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(about = "Local S3-compatible server (SigV4-checked) over a folder")]
struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 9000)]
    port: u16,
    #[arg(long)]
    root: PathBuf,
    #[arg(long)]
    access_key: String,
    #[arg(long)]
    secret_key: String,
    #[arg(long, default_value = "hadir")]
    bucket: String,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.root)?;
    let addr = format!("{}:{}", args.host, args.port)
        .parse()
        .map_err(std::io::Error::other)?;
    let server = hadir_tests::TestS3::serve(
        &args.root,
        addr,
        &args.access_key,
        &args.secret_key,
        &args.bucket,
    )
    .await?;
    println!(
        "listening on {}",
        server.endpoint.trim_start_matches("http://")
    );
    tokio::signal::ctrl_c().await?;
    server.stop();
    Ok(())
}
