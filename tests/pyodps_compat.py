"""Drives unmodified PyODPS against a running `mcsec serve` (started by tests/serve_pyodps.rs).

Usage: pyodps_compat.py ENDPOINT OWNER_ID OWNER_SECRET GUEST_ID GUEST_SECRET [REGION]

The catalog holds project `demo` owned by ALIYUN$owner, with RAM$owner:guest added as a plain
user. OWNER_* is a key of ALIYUN$owner, GUEST_* a key of RAM$owner:guest. With REGION the client
signs with v4. Every check raises AssertionError with what differed; the last line printed is
`N passed, 0 failed`.
"""

import json
import sys

from odps import ODPS, errors, options

endpoint, owner_id, owner_secret, guest_id, guest_secret = sys.argv[1:6]
region = sys.argv[6] if len(sys.argv) > 6 else None

checks = 0


def check(name, condition, detail=""):
    global checks
    if not condition:
        raise AssertionError(f"{name}: {detail}")
    checks += 1
    print(f"ok {checks} - {name}")


def raises(name, exception, call):
    try:
        call()
    except exception as e:
        check(name, True)
        return e
    except Exception as e:  # noqa: BLE001 - the point is to report the wrong class
        raise AssertionError(f"{name}: expected {exception.__name__}, got {type(e).__name__}: {e}")
    raise AssertionError(f"{name}: expected {exception.__name__}, nothing raised")


def connect(access_id, secret):
    kwargs = {"region_name": region} if region else {}
    return ODPS(access_id, secret, "demo", endpoint=endpoint, **kwargs)


o = connect(owner_id, owner_secret)
guest = connect(guest_id, guest_secret)

# Projects.
check("exist_project demo", o.exist_project("demo"))
check("exist_project nope is False", not o.exist_project("nope"))
p = o.get_project()
p.reload()
check("project owner", p.owner == "ALIYUN$owner", p.owner)
check("project creation time", p.creation_time is not None)
check("project last modified", p.last_modified_time is not None)
raises("missing project raises NoSuchProject", errors.NoSuchProject, lambda: o.get_project("nope").reload())

# Security queries.
users = o.run_security_query("list users")
check("list users is a list with the guest", users == ["RAM$owner:guest"], users)
roles = o.execute_security_query("list roles")
check("execute_security_query list roles", roles == ["admin", "super_administrator"], roles)
check("RAM in list accountproviders", "RAM" in o.run_security_query("LIST ACCOUNTPROVIDERS"))
me = p.current_user
check("current_user id", me.id == "ALIYUN$owner", me.id)
check("current_user display name", me.display_name == "ALIYUN$owner", me.display_name)
check("guest current_user", guest.get_project().current_user.display_name == "RAM$owner:guest")
check("a grant runs", o.run_security_query("grant CreateTable on project demo to user RAM$owner:guest") == "OK")
grants = o.run_security_query("show grants for RAM$owner:guest")
check("show grants returns the statement's JSON", grants.get("type") == "grants", grants)
check("the grant is listed", "CreateTable" in json.dumps(grants), grants)
check("a revoke runs", o.execute_security_query("revoke CreateTable on project demo from user RAM$owner:guest") == "OK")
e = raises("a guest's add user raises NoPermission", errors.NoPermission, lambda: guest.run_security_query("add user ALIYUN$x@y.com"))
check("the refusal uses MaxCompute's words", "Authorization Failed" in str(e), str(e))
raises("a syntax error raises InvalidParameter", errors.InvalidParameter, lambda: o.run_security_query("list usrs"))
raises("use is refused", errors.InvalidParameter, lambda: o.run_security_query("use demo"))

# Async: package installs answer with an instance.
inst = o.run_security_query("install package demo.non_exist_package")
check("install package is an AuthQueryInstance", type(inst).__name__ == "AuthQueryInstance", type(inst))
raises("waiting on a failed install raises SecurityQueryError", errors.SecurityQueryError, lambda: inst.wait_for_success(interval=0.1))
check("the instance is terminated", inst.is_terminated)
check("the instance is not successful", not inst.is_successful)
raises("execute of a failed install raises SecurityQueryError", errors.SecurityQueryError,
       lambda: o.execute_security_query("install package demo.non_exist_package"))

# Security options.
check("label security starts off", o.get_security_option("LabelSecurity") is False)
o.set_security_option("LabelSecurity", True)
check("set label security", o.get_security_option("LabelSecurity") is True)
config = o.run_security_query("show SecurityConfiguration")
check("show SecurityConfiguration sees it", config["LabelSecurity"] is True, config)
o.set_security_option("label_security", False)
check("unset label security", o.get_security_option("label_security") is False)
opts = o.get_security_options()
check("project protection off", opts.project_protection.protected is False)
opts.project_protection.protected = True
opts.update()
check("project protection on", o.get_security_options().project_protection.protected is True)
opts = o.get_security_options()
opts.project_protection.protected = False
opts.update()
check("project protection off again", o.get_security_options().project_protection.protected is False)

# Project policy: byte-exact round trip.
policy = {
    "Version": "1",
    "Statement": [{
        "Effect": "Allow",
        "Principal": ["RAM$owner:guest"],
        "Action": ["odps:Describe"],
        "Resource": ["acs:odps:*:projects/demo/tables/*"],
    }],
}
o.set_project_policy(policy)
check("project policy round trip", json.dumps(o.get_project_policy()) == json.dumps(policy), o.get_project_policy())
p = o.get_project()
p.reload()
check("project policy after reload", json.dumps(p.policy) == json.dumps(policy))

# Users.
alice = "ALIYUN$alice@example.com"
o.create_user(alice)
check("exist_user after create", o.exist_user(alice))
check("the new user is listed", alice in [u.display_name for u in o.list_users()])
check("exist_user ghost is False", not o.exist_user("RAM$owner:ghost"))
raises("adding a user twice raises ObjectAlreadyExists", errors.ObjectAlreadyExists, lambda: o.create_user(alice))

# Roles.
o.create_role("r1")
check("exist_role after create", o.exist_role("r1"))
check("the role is listed", "r1" in [r.name for r in o.list_roles()])
check("'in' with a name", "r1" in p.roles)
check("a missing role is not in", "non_exist_role_name" not in p.roles)
raises("creating a role twice raises ObjectAlreadyExists", errors.ObjectAlreadyExists, lambda: o.create_role("r1"))
p.roles["r1"].grant_to(alice)
check("user roles after grant_to", "r1" in [r.name for r in o.list_user_roles(alice)])
check("role users after grant_to", alice in [u.display_name for u in o.list_role_users("r1")])
check("role.users", alice in [u.display_name for u in p.roles["r1"].users])
p.roles["r1"].revoke_from(alice)
check("user roles after revoke_from", "r1" not in [r.name for r in o.list_user_roles(alice)])
p.users[alice].grant_role("r1")
check("user.grant_role", "r1" in [r.name for r in p.users[alice].roles])
p.users[alice].revoke_role("r1")
check("user.revoke_role", "r1" not in [r.name for r in p.users[alice].roles])

role_policy = {
    "Version": "1",
    "Statement": [{
        "Effect": "Allow",
        "Action": ["odps:Read"],
        "Resource": ["acs:odps:*:projects/demo/tables/*"],
    }],
}
o.set_role_policy("r1", role_policy)
check("role policy round trip", json.dumps(o.get_role_policy("r1")) == json.dumps(role_policy), o.get_role_policy("r1"))

# Errors.
raises("dropping a missing role raises NoSuchObject", errors.NoSuchObject, lambda: o.delete_role("missing"))
raises("a wrong secret raises SignatureNotMatch", errors.SignatureNotMatch,
       lambda: connect(owner_id, "wrong-secret").exist_project("demo"))
raises("an unknown key raises SignatureNotMatch", errors.SignatureNotMatch,
       lambda: connect("LTAInosuchkey", owner_secret).exist_project("demo"))

# Clean up, through the same calls.
o.delete_role("r1")
check("exist_role after delete", not o.exist_role("r1"))
o.delete_user(alice)
check("exist_user after delete", not o.exist_user(alice))

print(f"{checks} passed, 0 failed")
