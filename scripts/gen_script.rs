//! Deterministic generator of a mixed MaxCompute security script, shared by
//! `benches/parse.rs` and `examples/gen_script.rs` (included with `#[path]`).
//!
//! `generate(100_000)` writes 100k statements cycling through every statement family with
//! varying names, comments and quoting, about 70 bytes per statement.

use std::fmt::Write;

/// A tiny LCG so the script is the same on every machine without a rand dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound.max(1)
    }
}

const TEMPLATES: &[&str] = &[
    "add user RAM$owner:user{n};",
    "grant Describe, Select on table sale_detail{n} (shop_name, customer_id) to user RAM$owner:user{n};",
    "grant CreateTable, CreateInstance, List on project prj{n} to role worker{n};",
    "revoke Select on table t{n} from role worker{n};",
    "grant Select on table tb_* to role r{n} privilegeproperties(\"policy\"=\"true\", \"allow\"=\"false\");",
    "create role worker{n} privilegeproperties(\"type\"=\"resource\");",
    "grant worker{n}, auditor to RAM$owner:user{n};",
    "set label 2 to table t{n}(mobile, addr); -- sensitive columns",
    "grant label 3 on table t{n} to user RAM$owner:user{n} with exp 30;",
    "show label grants on table t{n} for user RAM$owner:user{n};",
    "show grants for RAM$owner:user{n} on type table;",
    "show acl for sale_detail{n} on type table;",
    "add table sale_detail{n} to package pkg{n} with privileges Describe, Select;",
    "allow project consumer{n} to install package pkg{n} using label 1;",
    "install package prj{n}.pkg{n};",
    "set ProjectProtection=true with exception '/tmp/exception{n}.json';",
    "setproject odps.security.ip.whitelist=10.0.{n}.0/24,192.168.1.1 odps.security.vpc.whitelist=;",
    "put policy /tmp/policy{n}.json on role worker{n};",
    "insert into t{n} values ({n}, 'shop {n}', null, -1.5);",
    "select shop_name, customer_id from prj{n}.sale_detail;",
    "/* batch {n} */ create table t{n} (id bigint, name string, price decimal(10,2));",
    "explain for RAM$owner:user{n} from 10.0.0.{n} select * from sale_detail;",
    "list users;",
    "whoami;",
];

/// `count` statements, one per line.
pub fn generate(count: usize) -> String {
    let mut rng = Lcg(0x5eed);
    let mut out = String::with_capacity(count * 80);
    for _ in 0..count {
        let template = TEMPLATES[rng.next(TEMPLATES.len() as u64) as usize];
        let n = rng.next(250).to_string();
        let _ = writeln!(out, "{}", template.replace("{n}", &n));
    }
    out
}
