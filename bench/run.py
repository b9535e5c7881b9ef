"""Runs the benchmark on private software TPMs, directly and through
tpm2-abrmd, and writes bench/results/: the raw JSON lines, a Markdown
table, and a chart when gnuplot is there.  Started by bench/run.sh."""
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "test", "integration"))
import tpmenv  # noqa: E402

BUILD = os.environ.get("TPMCARD_BUILD_DIR", os.path.join(TOP, "build"))
BENCH = os.path.join(BUILD, "bench", "tpmcard-bench")
MODULE = os.path.join(BUILD, "src", "pkcs11", "libtpmcard.so")
CLI = os.path.join(BUILD, "tools", "ptool", "tpmcard")
RESULTS = os.path.join(TOP, "bench", "results")
PIN = "123456"
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
COLD = int(os.environ.get("BENCH_COLD", "100"))
STEADY_MECHS = ["rsa-pkcs", "rsa-sha256", "rsa-pss", "rsa-oaep", "ecdsa",
                "ecdh", "aes-cbc", "hmac"]
COLD_MECHS = ["ecdsa", "rsa-pkcs"]
PROCS = {"direct": "4", "abrmd": "8"}
RUNTIME_BASE = "/dev/shm" if os.path.isdir("/dev/shm") else None
KEY_OF = {"ecdsa": "ec", "ecdh": "ec", "aes-cbc": "bench-aes",
          "hmac": "bench-hmac"}
# Debian's tpm2-pkcs11 (libtpm2-pkcs11-1, libtpm2-pkcs11-tools), measured
# on the same TPM when it is installed.
TPM2_PKCS11 = "/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so"
TPM2_PKCS11_MECHS = ["rsa-pkcs", "rsa-sha256", "rsa-pss", "rsa-oaep",
                     "ecdsa"]


def run_bench(env, *args, must=True):
    out = subprocess.run([BENCH, *args], env=env, capture_output=True,
                         text=True, timeout=600)
    if out.returncode != 0:
        if must:
            raise SystemExit("tpmcard-bench %s failed:\n%s" %
                             (" ".join(args), out.stderr))
        # What it reported still counts (how many processes failed).
        sys.stderr.write("tpmcard-bench %s failed:\n%s" %
                         (" ".join(args), out.stderr[-2000:]))
    return [json.loads(line) for line in out.stdout.splitlines()
            if line.startswith("{")]


def provision(env):
    pins = dict(env, TPMCARD_USER_PIN=PIN, TPMCARD_SO_PIN="12345678")
    for args in (["token", "add", "bench"],
                 ["key", "generate", "--token", "bench", "--type",
                  "rsa2048", "--label", "rsa"],
                 ["key", "generate", "--token", "bench", "--type",
                  "ecc-p256", "--label", "ec"]):
        subprocess.run([CLI, *args], env=pins, check=True,
                       capture_output=True)


def persist_srk(env):
    """What tpmcard init --persist-srk makes (and the TCG's provisioning
    guidance and tpm2-pkcs11 use): the SRK persistent at 0x81000001."""
    subprocess.run([CLI, "init", "--persist-srk"], env=env, check=True,
                   capture_output=True)


def measure(path, env, work):
    results = []
    module = ["--module", MODULE, "--token", "bench", "--pin", PIN]
    # First with the transient standard SRK the token was made under...
    for mech in COLD_MECHS:
        for r in run_bench(env, "commands", *module, "--key",
                           KEY_OF.get(mech, "rsa"), "--mech", mech,
                           "--count", "2"):
            r["srk"] = "transient"
            results.append(r)
    # ...then, for everything else, with it persistent.
    persist_srk(env)
    for mech in STEADY_MECHS:
        key = KEY_OF.get(mech, "rsa")
        results += run_bench(env, "steady", *module, "--key", key,
                             "--mech", mech, "--seconds", str(SECONDS))
        results += run_bench(env, "raw-steady", "--mech", mech,
                             "--seconds", str(SECONDS))
    for mech in COLD_MECHS:
        key = KEY_OF.get(mech, "rsa")
        results += run_bench(env, "cold", *module, "--key", key,
                             "--mech", mech, "--count", str(COLD))
        results += run_bench(env, "raw-cold", "--mech", mech, "--count",
                             str(COLD), "--blob",
                             os.path.join(work, "raw.key"))
    for mech in COLD_MECHS:
        key = KEY_OF.get(mech, "rsa")
        results += run_bench(env, "commands", *module, "--key", key,
                             "--mech", mech, "--count", "20")
        results += run_bench(env, "raw-commands", "--mech", mech, "--blob",
                             os.path.join(work, "raw.key"))
    results += run_bench(env, "parallel", *module, "--key", "ec", "--mech",
                         "ecdsa", "--seconds", str(SECONDS), "--procs",
                         PROCS[path])
    results += run_bench(env, "find", *module, "--key", "ec", "--count",
                         "1000")
    results += run_bench(env, "init", "--module", MODULE, "--count", "50")
    # Raw ESAPI's processes each hold a primary and a key: on a direct
    # TPM of 3 object slots, four of them cannot all run.  Last, as what
    # fails may leave the TPM less clean.
    results += run_bench(env, "raw-parallel", "--mech", "ecdsa",
                         "--seconds", str(SECONDS), "--procs", PROCS[path],
                         must=False)
    for r in results:
        r["path"] = path
    return results


def tpm2_pkcs11_provision(swtpm, abrmd, store):
    """A tpm2-pkcs11 token "bench" with keys "rsa" and "ec", made with
    tpm2_ptool, which needs a resource manager (a private tpm2-abrmd
    when the run has none)."""
    own = abrmd is None
    rm = tpmenv.Abrmd(swtpm) if own else abrmd
    env = dict(os.environ, TPM2TOOLS_TCTI=rm.tcti, TSS2_LOG="all+none",
               **rm.env)
    try:
        for args in (["init"],
                     ["addtoken", "--pid=1", "--sopin=12345678",
                      "--userpin=" + PIN, "--label=bench"],
                     ["addkey", "--algorithm=rsa2048", "--label=bench",
                      "--userpin=" + PIN, "--key-label=rsa"],
                     ["addkey", "--algorithm=ecc256", "--label=bench",
                      "--userpin=" + PIN, "--key-label=ec"]):
            subprocess.run(["tpm2_ptool", *args, "--path", store], env=env,
                           check=True, capture_output=True, timeout=300)
    finally:
        if own:
            rm.stop()


def tpm2_pkcs11_measure(path, env):
    """tpm2-pkcs11 on the same TPM and TCTI: steady, cold, commands."""
    results = []
    module = ["--module", TPM2_PKCS11, "--token", "bench", "--pin", PIN]
    for mech in TPM2_PKCS11_MECHS:
        results += run_bench(env, "steady", *module, "--key",
                             KEY_OF.get(mech, "rsa"), "--mech", mech,
                             "--seconds", str(SECONDS), must=False)
    for mech in COLD_MECHS:
        key = KEY_OF.get(mech, "rsa")
        results += run_bench(env, "cold", *module, "--key", key, "--mech",
                             mech, "--count", str(COLD), must=False)
        results += run_bench(env, "commands", *module, "--key", key,
                             "--mech", mech, "--count", "2", must=False)
    results += run_bench(env, "parallel", *module, "--key", "ec", "--mech",
                         "ecdsa", "--seconds", str(SECONDS), "--procs",
                         PROCS[path], must=False)
    for r in results:
        r["target"] = "tpm2-pkcs11"
        r["path"] = path
    return results


def has_tpm2_pkcs11():
    return os.path.exists(TPM2_PKCS11) and shutil.which("tpm2_ptool")


def run_path(path):
    swtpm = tpmenv.SwTpm()
    abrmd = None
    work = tempfile.mkdtemp(prefix="tpmcard-bench-")
    # The runtime directory where a login session has it: on a tmpfs
    # ($XDG_RUNTIME_DIR, /run/user/UID).  On a disk, each rewrite of a
    # process's handle record costs ~0.1 ms here instead of ~6 us.
    runtime = tempfile.mkdtemp(prefix="tpmcard-bench-run-",
                               dir=RUNTIME_BASE)
    try:
        # tpm2-pkcs11 counts wrong authorizations too: allow them.
        swtpm.tools("tpm2_dictionarylockout", "--setup-parameters",
                    "--max-tries=1000", "--recovery-time=10000",
                    "--lockout-recovery-time=1")
        tcti, extra = swtpm.tcti, {}
        if path == "abrmd":
            abrmd = tpmenv.Abrmd(swtpm)
            tcti, extra = abrmd.tcti, abrmd.env
        env = dict(os.environ, TPMCARD_TCTI=tcti,
                   TPMCARD_STORE=os.path.join(work, "store.sqlite3"),
                   TPMCARD_RUNTIME_DIR=os.path.join(runtime, "run"),
                   **extra)
        env.pop("TPMCARD_LOG", None)
        provision(env)
        results = measure(path, env, work)
        if has_tpm2_pkcs11():
            store = os.path.join(work, "tpm2-pkcs11")
            os.mkdir(store)
            tpm2_pkcs11_provision(swtpm, abrmd, store)
            results += tpm2_pkcs11_measure(
                path, dict(env, TPM2_PKCS11_TCTI=tcti,
                           TPM2_PKCS11_STORE=store, TSS2_LOG="all+none"))
        return results
    finally:
        if abrmd is not None:
            abrmd.stop()
        swtpm.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(runtime, ignore_errors=True)


def find(results, **keys):
    for r in results:
        if all(r.get(k) == v for k, v in keys.items()):
            return r
    return None


PATHS = ("direct", "abrmd")


def module_and_raw(results, kind, mechs, paths=PATHS):
    """(path, mech, module result, raw result) where both were measured."""
    for path in paths:
        for mech in mechs:
            m = find(results, kind=kind, target="module", path=path,
                     mech=mech, srk=None)
            r = find(results, kind=kind, target="raw", path=path, mech=mech)
            if m and r:
                yield path, mech, m, r


def other(results, kind, path, mech):
    return find(results, kind=kind, target="tpm2-pkcs11", path=path,
                mech=mech)


def table(results):
    lines = ["| path | mechanism | tpmcard ops/s | raw ESAPI ops/s | "
             "ratio | tpm2-pkcs11 ops/s | tpmcard median / p95 ms |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for path, mech, m, r in module_and_raw(results, "steady", STEADY_MECHS):
        o = other(results, "steady", path, mech)
        lines.append("| %s | %s | %.0f | %.0f | %.2f | %s | %.2f / %.2f |"
                     % (path, mech, m["ops_per_s"], r["ops_per_s"],
                        m["ops_per_s"] / r["ops_per_s"],
                        "%.0f" % o["ops_per_s"] if o else "",
                        m["median_ms"], m["p95_ms"]))
    lines += ["", "| path | cold process | tpmcard median / p95 ms | "
              "raw ESAPI median ms | ratio | tpm2-pkcs11 median ms | "
              "tpm2-pkcs11 / tpmcard | tpmcard phases (median ms) |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
    for path, mech, m, r in module_and_raw(results, "cold", COLD_MECHS):
        o = other(results, "cold", path, mech)
        phases = ", ".join("%s %.2f" % kv for kv in
                           m["phases_median_ms"].items())
        lines.append("| %s | %s | %.2f / %.2f | %.2f | %.2f | %s | %s | %s |"
                     % (path, mech, m["median_ms"], m["p95_ms"],
                        r["median_ms"], m["median_ms"] / r["median_ms"],
                        "%.2f" % o["median_ms"] if o else "",
                        "%.1f" % (o["median_ms"] / m["median_ms"])
                        if o else "", phases))
    lines += ["", "| path | TPM commands | tpmcard cold process | "
              "tpmcard, transient SRK | tpmcard per steady op | "
              "raw ESAPI cold process | tpm2-pkcs11 cold process |",
              "|---|---|---|---|---:|---|---|"]
    for path, mech, m, r in module_and_raw(results, "commands", COLD_MECHS):
        t = find(results, kind="commands", target="module", path=path,
                 mech=mech, srk="transient")
        o = other(results, "commands", path, mech)
        lines.append("| %s | %s | %s | %s | %.2f | %s | %s |" % (
            path, mech, commands_text(m), commands_text(t), m["per_op"],
            commands_text(r), commands_text(o)))
    lines += ["", "| path | processes signing at once (ECDSA) | "
              "succeeded | total ops/s | one process alone, ops/s | "
              "ratio |", "|---|---|---:|---:|---:|---:|"]
    for path in PATHS:
        for target, name in (("module", "tpmcard"), ("raw", "raw ESAPI"),
                             ("tpm2-pkcs11", "tpm2-pkcs11")):
            p = find(results, kind="parallel", path=path, target=target)
            one = find(results, kind="steady", target=target, path=path,
                       mech="ecdsa")
            if p and one:
                lines.append("| %s | %d, %s | %d | %.0f | %.0f | %.2f |" % (
                    path, p["processes"], name, p["succeeded"],
                    p["total_ops_per_s"], one["ops_per_s"],
                    p["total_ops_per_s"] / one["ops_per_s"]))
    lines += ["", "| path | other | median ms | p95 ms |", "|---|---|---:|---:|"]
    for path in PATHS:
        f = find(results, kind="find", path=path)
        if f:
            lines.append("| %s | first C_FindObjects + C_GetAttributeValue "
                         "of a process, token of %d keys | %.2f | %.2f |"
                         % (path, f["keys"], f["find_median_ms"],
                            f["find_p95_ms"]))
            lines.append("| %s | C_Initialize, that token's store | %.2f "
                         "| |" % (path, f["init_median_ms"]))
        i = find(results, kind="init", path=path)
        if i:
            lines.append("| %s | C_Initialize, no TPM and no store (%s) | "
                         "%.3f | %.3f |" % (path, "silent" if i["silent"]
                                            else "NOT silent",
                                            i["median_ms"], i["p95_ms"]))
    return "\n".join(lines) + "\n"


def counts_text(counts):
    return ", ".join("%s %d" % kv if kv[1] > 1 else kv[0]
                     for kv in counts.items())


def commands_text(result):
    if result is None:
        return ""
    return "%d: %s" % (result["cold"], counts_text(result["cold_commands"]))


def chart(results, png):
    if shutil.which("gnuplot") is None:
        return False
    data = png + ".dat"
    with open(data, "w") as f:
        for path in PATHS:
            for mech in STEADY_MECHS:
                m = find(results, kind="steady", target="module", path=path,
                         mech=mech)
                r = find(results, kind="steady", target="raw", path=path,
                         mech=mech)
                o = other(results, "steady", path, mech)
                if m and r:
                    f.write('"%s %s" %.1f %.1f %s\n' % (
                        path, mech, m["ops_per_s"], r["ops_per_s"],
                        "%.1f" % o["ops_per_s"] if o else "-"))
    script = """set terminal png size 1000,500
set output '%s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'operations per second (log scale)'
set logscale y
set datafile missing '-'
set xtics rotate by -30
set key top right
plot '%s' using 2:xtic(1) title 'tpmcard', '' using 3 title 'raw ESAPI (password auth)', '' using 4 title 'tpm2-pkcs11'
""" % (png, data)
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.unlink(data)
    return True


DOC = os.path.join(TOP, "docs", "performance.md")
DOC_BEGIN = "<!-- bench/run.py writes what follows, up to the chart -->\n"
DOC_END = "<!-- end of bench/run.py's tables -->\n"


def into_docs(md):
    """The tables into docs/performance.md, between its two markers."""
    with open(DOC) as f:
        doc = f.read()
    if DOC_BEGIN not in doc or DOC_END not in doc:
        return
    head, rest = doc.split(DOC_BEGIN, 1)
    tail = rest.split(DOC_END, 1)[1]
    with open(DOC, "w") as f:
        f.write(head + DOC_BEGIN + md + DOC_END + tail)


def main():
    results = []
    for path in PATHS:
        results += run_path(path)
    os.makedirs(RESULTS, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    meta = {"date": stamp, "host": platform.node(),
            "cpus": os.cpu_count(), "seconds": SECONDS, "cold": COLD}
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    md = ("Run %s, %d CPUs, %g s per steady run, %d cold processes.\n\n"
          % (stamp, meta["cpus"], SECONDS, COLD)) + table(results)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(md)
    chart(results, os.path.join(RESULTS, "latest.png"))
    into_docs(md)
    sys.stdout.write(md)


if __name__ == "__main__":
    main()
