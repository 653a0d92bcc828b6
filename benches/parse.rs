//! Parse throughput on the generated 100k-statement script: split + parse, and parse + print
//! (what `mcsec fmt` does), reported in statements per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

#[path = "../scripts/gen_script.rs"]
mod gen_script;

const STATEMENTS: usize = 100_000;

fn parse(c: &mut Criterion) {
    let script = gen_script::generate(STATEMENTS);
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(STATEMENTS as u64));
    group.sample_size(10);
    group.bench_function("parse_script_100k", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for stmt in mcsec::parser::parse_script(black_box(&script), "bench.sql") {
                ok += usize::from(stmt.is_ok());
            }
            assert_eq!(ok, STATEMENTS);
        })
    });
    group.bench_function("parse_and_print_100k", |b| {
        let mut out = String::with_capacity(script.len() * 2);
        b.iter(|| {
            out.clear();
            for stmt in mcsec::parser::parse_script(black_box(&script), "bench.sql").flatten() {
                use std::fmt::Write;
                let _ = writeln!(out, "{};", stmt.node);
            }
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
