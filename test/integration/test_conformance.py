"""PKCS#11 2.40 conformance of every function of the module, through
PyKCS11's low-level calls and, where PyKCS11 has no wrapper or hides the
length protocol, the module's own function list (p11conform.py): the
positive case and the refusals the standard names, each by its exact
CK_RV, one fresh process per scenario.  What comes out is checked with
python3-cryptography."""
import hashlib
import json
import os
import struct

import pytest
import PyKCS11
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conftest import MODULE, SO_PIN, USER_PIN
from p11conform import EC_P256 as P256
from p11conform import (attrs, case as c, data_object, ec_public_template,
                        find, hx, session_calls, step)

SCENARIO = os.path.join(os.path.dirname(__file__), "p11conform.py")

OK = "CKR_OK"
NOT_INIT = "CKR_OPERATION_NOT_INITIALIZED"
ACTIVE = "CKR_OPERATION_ACTIVE"
BAD_SESSION = "CKR_SESSION_HANDLE_INVALID"
BAD_SLOT = "CKR_SLOT_ID_INVALID"
BAD_KEY = "CKR_KEY_HANDLE_INVALID"
BAD_OBJECT = "CKR_OBJECT_HANDLE_INVALID"
KEY_TYPE = "CKR_KEY_TYPE_INCONSISTENT"
BAD_MECH = "CKR_MECHANISM_INVALID"
BAD_PARAM = "CKR_MECHANISM_PARAM_INVALID"
SMALL = "CKR_BUFFER_TOO_SMALL"
READ_ONLY = "CKR_ATTRIBUTE_READ_ONLY"
RO_SESSION = "CKR_SESSION_READ_ONLY"
LOGGED_OUT = "CKR_USER_NOT_LOGGED_IN"
UNINIT = "CKR_CRYPTOKI_NOT_INITIALIZED"
PROHIBITED = "CKR_ACTION_PROHIBITED"
STUB = "CKR_FUNCTION_NOT_SUPPORTED"
TYPE_INVALID = "CKR_ATTRIBUTE_TYPE_INVALID"
VALUE_INVALID = "CKR_ATTRIBUTE_VALUE_INVALID"
PIN_INCORRECT = "CKR_PIN_INCORRECT"

PUB, PRIV, SECRET, DATA = (PyKCS11.CKO_PUBLIC_KEY, PyKCS11.CKO_PRIVATE_KEY,
                           PyKCS11.CKO_SECRET_KEY, PyKCS11.CKO_DATA)
AES_KEY = bytes(range(16))
IV = bytes(range(0xa0, 0xb0))
MSG = b"tpmcard conformance suite: 32 B."  # two AES blocks
M = MSG.hex()
DIGEST = hashlib.sha256(MSG).digest()
CBC = {"mech": "AES_CBC", "param": IV.hex()}
CBC_PAD = {"mech": "AES_CBC_PAD", "param": IV.hex()}
ECB = {"mech": "AES_ECB"}


def run(env, *steps):
    out = env.run("/usr/bin/python3", SCENARIO, MODULE, json.dumps(steps),
                  check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def expect(env, *cases, init=True):
    """Runs the cases (or lists of them) in one process, after
    C_Initialize unless init is False.  Asserts each CK_RV and what each
    step "want"s; returns the results by step "tag"."""
    flat = [c("Initialize")] if init else []
    for case in cases:
        flat.extend(case if isinstance(case, list) else [case])
    res = run(env, *[s for s, _ in flat])
    got = [(i, s["fn"], r["rv"], {k: r.get(k) for k in s.get("want", {})})
           for i, ((s, _), r) in enumerate(zip(flat, res))]
    assert got == [(i, s["fn"], rv, s.get("want", {}))
                   for i, (s, rv) in enumerate(flat)]
    return {s["tag"]: r for (s, _), r in zip(flat, res) if "tag" in s}


def run_checked(env, steps, setup):
    """Runs steps whose first setup steps must all pass (else the scenario
    itself is broken: RuntimeError, not an assertion)."""
    res = run(env, *steps)
    rvs = [(s["fn"], r["rv"]) for s, r in zip(steps, res)][:setup]
    if any(rv != OK for _, rv in rvs):
        raise RuntimeError("setup failed: %s" % rvs)
    return res


def session(name="s", rw=False, rv=OK):
    flags = ["SERIAL_SESSION", "RW_SESSION"] if rw else ["SERIAL_SESSION"]
    return c("OpenSession", rv, name=name, flags=flags)


def login(rv=OK, s="s", pin=USER_PIN, user="USER"):
    return c("Login", rv, s=s, pin=pin, user=user)


def state(name, s="s"):
    return c("GetSessionInfo", s=s, want={"state": "CKS_" + name})


def keys():
    """Logs in; binds ecpub, ecpriv, rsapub and rsapriv (token_env)."""
    return ([login()] + find(PUB, "ec", "ecpub") + find(PRIV, "ec", "ecpriv")
            + find(PUB, "rsa", "rsapub") + find(PRIV, "rsa", "rsapriv"))


def aes(name="aes", private=True):
    """A session AES key of AES_KEY (made logged in)."""
    return c("CreateObject", name=name, tmpl=[
        ["CLASS", SECRET], ["KEY_TYPE", PyKCS11.CKK_AES], ["TOKEN", False],
        ["PRIVATE", private], ["VALUE", hx(AES_KEY)], ["ENCRYPT", True],
        ["DECRYPT", True]])


def ec_point(key):
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def point_of(result):
    """The public key of an attrs() result of [EC_POINT]."""
    der = bytes.fromhex(result["attrs"][0][1])
    assert der[:2] == b"\x04\x41"
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                        der[2:])


def check_ecdsa(pub, raw_hex, data, prehashed=False):
    raw = bytes.fromhex(raw_hex)
    assert len(raw) == 64
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                     int.from_bytes(raw[32:], "big"))
    algo = utils.Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256()
    pub.verify(der, data, ec.ECDSA(algo))


def aes_with(mode, data, decrypt=False):
    cipher = Cipher(algorithms.AES(AES_KEY), mode)
    op = cipher.decryptor() if decrypt else cipher.encryptor()
    return op.update(data) + op.finalize()


def cbc_pad(data):
    pad = padding.PKCS7(128).padder()
    return aes_with(modes.CBC(IV), pad.update(data) + pad.finalize())


# -- general purpose functions ---------------------------------------------
def test_every_call_before_c_initialize_says_not_initialized(env):
    env.add_token("t1")
    calls = [step("GetInfo"), step("GetSlotList"), step("WaitForSlotEvent")]
    calls += [step(fn, slot=1, **kw) for fn, kw in (
        ("GetSlotInfo", {}), ("GetTokenInfo", {}), ("GetMechanismList", {}),
        ("GetMechanismInfo", {"mech": "SHA256"}), ("OpenSession", {}),
        ("CloseAllSessions", {}), ("InitToken", {"pin": SO_PIN}))]
    calls += session_calls("zero", USER_PIN) + [step("Finalize")]
    expect(env, c("GetFunctionList", "CKR_ARGUMENTS_BAD"),  # NULL list
           *[(s, UNINIT) for s in calls], init=False)


def test_every_session_call_refuses_a_closed_or_unknown_handle(token_env):
    calls = session_calls("s", USER_PIN) + session_calls("bad", USER_PIN)
    expect(token_env, session(), c("CloseSession"),
           *[(s, BAD_SESSION) for s in calls])


def test_initialize_arguments_and_finalize(env):
    env.add_token("t1")
    bad = "CKR_ARGUMENTS_BAD"
    child = [step("GetInfo"), step("GetSessionInfo", s="t"),
             step("Initialize"), step("GetSessionInfo", s="t"),
             step("GetSlotList", count=8), step("Finalize")]
    res = expect(
        env, c("Initialize", bad, args={"reserved": True}),
        # some but not all of the four mutex functions
        c("Initialize", bad, args={"partial_mutex": True}),
        c("GetInfo", UNINIT),  # the refusals initialized nothing
        c("Initialize", args={"flags": ["OS_LOCKING_OK"]}),
        c("Initialize", "CKR_CRYPTOKI_ALREADY_INITIALIZED"),
        session(), c("Finalize", bad, reserved=True), c("GetSessionInfo"),
        c("Finalize"), c("Finalize", UNINIT), c("GetSessionInfo", UNINIT),
        c("Initialize", args={"flags": ["LIBRARY_CANT_CREATE_OS_THREADS"]}),
        c("GetSessionInfo", BAD_SESSION),  # closed for good by C_Finalize
        # a forked child must initialize again, and even then the parent's
        # session is not its own
        session("t"), c("fork", tag="child", steps=child),
        state("RO_PUBLIC_SESSION", "t"), c("Finalize"), init=False)
    assert [r["rv"] for r in res["child"]["child"]] == [
        UNINIT, UNINIT, OK, BAD_SESSION, OK, OK]


# -- slots and tokens -------------------------------------------------------
def test_info_slot_list_and_slot_events(token_env):
    res = expect(token_env, c("GetInfo", tag="info"),
                 c("GetSlotList", want={"count": 2, "list": None}),
                 c("GetSlotList", SMALL, count=1, want={"count": 2}),
                 c("GetSlotList", count=2, tag="all"),
                 c("GetSlotList", count=8, present=True, tag="present",
                   want={"count": 2}),
                 c("WaitForSlotEvent", STUB))  # CKF_DONT_BLOCK
    info = res["info"]["info"]
    assert info["cryptokiVersion"] == [2, 40]  # the 2.40 function list
    assert (info["manufacturerID"], info["libraryDescription"]) == (
        "tpmcard".ljust(32), "tpmcard TPM 2.0 smartcard".ljust(32))
    assert info["flags"] == 0  # reserved: must be zero
    slots = res["all"]["list"]
    assert slots[-1] == 0 and slots[0] != 0  # the token's, then the empty
    assert res["present"]["list"] == slots  # every slot holds a token


def test_slot_and_token_info(token_env):
    res = expect(token_env, c("GetSlotInfo", tag="slot"),
                 c("GetSlotInfo", slot="empty", tag="empty_slot"),
                 c("GetSlotInfo", BAD_SLOT, slot="bad"),
                 c("GetTokenInfo", tag="token"), session(),
                 session("w", rw=True), c("GetTokenInfo", tag="open"),
                 c("GetTokenInfo", slot="empty", tag="blank"),
                 c("GetTokenInfo", BAD_SLOT, slot="bad"))
    slot, empty = res["slot"]["info"], res["empty_slot"]["info"]
    for s, text in ((slot, "tpmcard TPM 2.0 token"),
                    (empty, "tpmcard TPM 2.0, no token yet")):
        assert s["slotDescription"] == text.ljust(64)
        assert s["flags"] == PyKCS11.CKF_TOKEN_PRESENT | PyKCS11.CKF_HW_SLOT
        vendor = s["manufacturerID"]  # the TPM's maker, blank padded
        assert len(vendor) == 32 and "\0" not in vendor and vendor[0] != " "
    token, blank = res["token"]["info"], res["blank"]["info"]
    assert (token["label"], token["manufacturerID"], token["model"]) == (
        "t1".ljust(32), "tpmcard".ljust(32), "TPM 2.0".ljust(16))
    assert len(token["serialNumber"].strip()) == 16
    assert token["flags"] == (PyKCS11.CKF_RNG | PyKCS11.CKF_LOGIN_REQUIRED |
                              PyKCS11.CKF_USER_PIN_INITIALIZED |
                              PyKCS11.CKF_TOKEN_INITIALIZED)
    assert token["utcTime"] == " " * 16  # no CKF_CLOCK_ON_TOKEN
    assert token["ulMinPinLen"] == 4 and token["ulMaxPinLen"] >= 4
    assert token["ulMaxSessionCount"] == PyKCS11.CK_EFFECTIVELY_INFINITE
    assert token["ulFreePublicMemory"] == PyKCS11.CK_UNAVAILABLE_INFORMATION
    assert (token["ulSessionCount"], token["ulRwSessionCount"]) == (0, 0)
    opened = res["open"]["info"]
    assert (opened["ulSessionCount"], opened["ulRwSessionCount"]) == (2, 1)
    assert blank["flags"] == PyKCS11.CKF_RNG | PyKCS11.CKF_LOGIN_REQUIRED
    assert (blank["label"], blank["serialNumber"]) == (" " * 32, " " * 16)


def test_mechanism_list_and_info(token_env):
    res = expect(token_env, c("GetMechanismList", tag="count"),
                 c("GetMechanismList", SMALL, count=3, tag="short"),
                 c("GetMechanismList", count=100, tag="all"),
                 c("GetMechanismList", BAD_SLOT, slot="bad"),
                 c("GetMechanismInfo", mech="SHA256", want={
                     "min": 0, "max": 0, "flags": PyKCS11.CKF_DIGEST}),
                 c("GetMechanismInfo", BAD_MECH, mech="MD5"),
                 c("GetMechanismInfo", BAD_MECH, mech="AES_KEY_WRAP"),
                 c("GetMechanismInfo", BAD_MECH, mech=0x80001234),
                 c("GetMechanismInfo", BAD_SLOT, slot="bad", mech="SHA256"))
    mechs = res["all"]["list"]
    assert res["short"]["count"] == res["count"]["count"] == len(mechs)
    assert len(set(mechs)) == len(mechs)
    infos = expect(token_env, *[c("GetMechanismInfo", mech=m, tag=m)
                                for m in mechs])
    # Nothing is offered for what the module refuses (recovery, wrapping),
    # and CKF_EXTENSION must be false in 2.40.
    never = (PyKCS11.CKF_SIGN_RECOVER | PyKCS11.CKF_VERIFY_RECOVER |
             PyKCS11.CKF_WRAP | PyKCS11.CKF_UNWRAP | PyKCS11.CKF_EXTENSION)
    assert [m for m in mechs if infos[m]["flags"] & never] == []
    assert infos[PyKCS11.CKM_ECDH1_DERIVE]["flags"] & PyKCS11.CKF_DERIVE
    assert all(infos[m]["min"] <= infos[m]["max"] for m in mechs)
    sign = PyKCS11.CKF_SIGN | PyKCS11.CKF_VERIFY
    assert infos[PyKCS11.CKM_ECDSA]["flags"] & sign == sign


def test_init_token_refusals(env):
    env.add_token("t1")
    expect(env, session("w", rw=True),
           c("InitToken", "CKR_SESSION_EXISTS", pin=SO_PIN, label="t2"),
           c("InitToken", BAD_SLOT, slot="bad", pin=SO_PIN, label="t2"),
           c("CloseSession", s="w"),
           # a label of blanks only names nothing
           c("InitToken", "CKR_ARGUMENTS_BAD", pin=SO_PIN, label=""))


def test_init_token_takes_effect_in_the_calling_process(token_env):
    res = run_checked(token_env, [
        step("Initialize"), step("InitToken", pin=SO_PIN, label="fresh"),
        step("OpenSession"), step("GetTokenInfo"),
        step("Login", pin=USER_PIN), step("FindObjectsInit"),
        step("FindObjects")], 3)
    token = res[3]["info"]
    assert token["label"] == "fresh".ljust(32)
    assert not token["flags"] & PyKCS11.CKF_USER_PIN_INITIALIZED
    assert res[4]["rv"] == "CKR_USER_PIN_NOT_INITIALIZED"
    assert res[6] == {"rv": OK, "count": 0}


def test_a_token_made_on_the_empty_slot_is_reachable_at_once(env):
    env.add_token("t1")
    res = run_checked(env, [
        step("Initialize"),
        step("InitToken", slot="empty", pin=SO_PIN, label="t2"),
        step("GetTokenInfo", slot="empty"),
        step("GetTokenInfo", slot=2)], 2)  # the store's second token
    labels = [r.get("info", {}).get("label") for r in res[2:]]
    assert "t2".ljust(32) in labels


# -- sessions and users -----------------------------------------------------
def test_open_session_refusals(token_env):
    parallel = "CKR_SESSION_PARALLEL_NOT_SUPPORTED"
    expect(token_env, c("OpenSession", parallel, flags=[]),
           c("OpenSession", parallel, flags=["RW_SESSION"]),
           c("OpenSession", BAD_SLOT, slot="bad"),
           c("OpenSession", BAD_SLOT, slot="bad", flags=[]),
           # the empty slot's token is not initialized yet
           c("OpenSession", "CKR_TOKEN_NOT_RECOGNIZED", slot="empty"),
           c("OpenSession", "CKR_ARGUMENTS_BAD", null_handle=True))


def test_session_states_follow_the_login_of_the_application(token_env):
    serial, rw = PyKCS11.CKF_SERIAL_SESSION, PyKCS11.CKF_RW_SESSION
    res = expect(
        token_env, c("GetSlotList", count=8, tag="slots"),
        session("ro"), session("rw", rw=True),
        c("GetSessionInfo", s="ro", tag="ro", want={
            "state": "CKS_RO_PUBLIC_SESSION", "flags": serial, "error": 0}),
        c("GetSessionInfo", s="rw", want={
            "state": "CKS_RW_PUBLIC_SESSION", "flags": serial | rw}),
        login(s="ro"), state("RO_USER_FUNCTIONS", "ro"),
        state("RW_USER_FUNCTIONS", "rw"),
        c("Logout", s="rw"), state("RO_PUBLIC_SESSION", "ro"),  # all out
        login("CKR_SESSION_READ_ONLY_EXISTS", "rw", SO_PIN, "SO"),
        c("CloseSession", s="ro"), login(OK, "rw", SO_PIN, "SO"),
        state("RW_SO_FUNCTIONS", "rw"),
        session("ro2", rv="CKR_SESSION_READ_WRITE_SO_EXISTS"),
        session("rw2", rw=True), state("RW_SO_FUNCTIONS", "rw2"),
        login("CKR_USER_ANOTHER_ALREADY_LOGGED_IN", "rw2"),
        c("Logout", s="rw2"), state("RW_PUBLIC_SESSION", "rw"))
    assert res["ro"]["slot"] == res["slots"]["list"][0]


def test_closing_sessions(token_env):
    label = [["LABEL", 8]]
    expect(token_env, session(), session("t"), login(),
           c("CreateObject", s="t", name="d1", tmpl=data_object("mine")),
           c("CreateObject", name="d2", tmpl=data_object("yours")),
           # an application's session objects show in all its sessions
           c("GetAttributeValue", obj="d1", tmpl=label),
           c("CloseSession", s="t"), c("CloseSession", BAD_SESSION, s="t"),
           # ... and go with the session that made them
           c("GetAttributeValue", BAD_OBJECT, obj="d1", tmpl=label),
           c("GetAttributeValue", obj="d2", tmpl=label),
           state("RO_USER_FUNCTIONS"),  # one session is left
           c("CloseSession", BAD_SESSION, s="zero"),
           c("CloseAllSessions", BAD_SLOT, slot="bad"),
           c("CloseAllSessions", slot="empty"), state("RO_USER_FUNCTIONS"),
           c("CloseAllSessions"), c("GetSessionInfo", BAD_SESSION),
           # closing the last session logged the user out
           session("s2"), state("RO_PUBLIC_SESSION", "s2"),
           c("GetAttributeValue", BAD_OBJECT, s="s2", obj="d2", tmpl=label))


def test_login_and_logout_refusals(token_env):
    expect(token_env, session(), c("Logout", LOGGED_OUT),
           login("CKR_USER_TYPE_INVALID", user=7),
           login(LOGGED_OUT, user="CONTEXT_SPECIFIC"),
           login(PIN_INCORRECT, pin="000000"), state("RO_PUBLIC_SESSION"),
           login(), login("CKR_USER_ALREADY_LOGGED_IN"),
           login("CKR_USER_ANOTHER_ALREADY_LOGGED_IN", pin=SO_PIN, user="SO"),
           login("CKR_USER_TYPE_INVALID", user=7),
           # no operation waits for a context-specific login
           login(NOT_INIT, user="CONTEXT_SPECIFIC"),
           c("Logout"), c("Logout", LOGGED_OUT))


def test_set_pin_and_init_pin_by_session_state(env):
    env.add_token("t1")
    expect(env, session(), session("w", rw=True),
           c("SetPIN", RO_SESSION, old=USER_PIN, new="654321"),
           c("InitPIN", LOGGED_OUT, s="w", pin="111111"), login(s="w"),
           c("InitPIN", LOGGED_OUT, s="w", pin="111111"),  # the SO's
           c("SetPIN", s="w", old=USER_PIN, new="222222"),
           c("Logout", s="w"), login(PIN_INCORRECT, "w"),
           login(OK, "w", "222222"), c("Logout", s="w"),
           c("CloseSession"),  # the SO logs in with no R/O session open
           login(OK, "w", SO_PIN, "SO"),
           c("InitPIN", "CKR_PIN_LEN_RANGE", s="w", pin="12"),
           c("InitPIN", s="w", pin="333333"),
           # logged in as the SO, C_SetPIN changes the SO's PIN
           c("SetPIN", s="w", old=SO_PIN, new="87654321"),
           c("Logout", s="w"), login(PIN_INCORRECT, "w", "222222"),
           login(OK, "w", "333333"), c("Logout", s="w"),
           login(PIN_INCORRECT, "w", SO_PIN, "SO"),
           login(OK, "w", "87654321", "SO"))


# -- objects ----------------------------------------------------------------
def test_create_object(token_env):
    peer = ec_point(ec.generate_private_key(ec.SECP256R1()).public_key())
    fixed = [["KEY_GEN_MECHANISM", PyKCS11.CKM_EC_KEY_PAIR_GEN]]

    def create(rv, tmpl, s="s"):
        return c("CreateObject", rv, s=s, name="x", tmpl=tmpl)
    res = expect(
        token_env, session(), session("w", rw=True),
        # public session objects need no login, even in a R/O session
        create(OK, ec_public_template(peer)),
        create(LOGGED_OUT, data_object("p", private=True)),
        create(LOGGED_OUT, data_object("p", True, True), "w"),
        login(), c("CreateObject", name="d1", tmpl=data_object("d1")),
        attrs("d1", "d1", ("LABEL", 8), ("VALUE", 8), ("TOKEN", 1),
              ("PRIVATE", 1), ("MODIFIABLE", 1)),
        create(RO_SESSION, data_object("t", token=True)),
        create("CKR_TEMPLATE_INCOMPLETE", [["TOKEN", False]]),
        create(TYPE_INVALID, data_object("x", extra=[["MODULUS_BITS", 8]])),
        create(VALUE_INVALID, [["CLASS", DATA], ["TOKEN", hx(b"\1\0\0\0")]]),
        create("CKR_TEMPLATE_INCONSISTENT",
               data_object("x", extra=[["TOKEN", True]])),
        create(VALUE_INVALID, [["CLASS", 0x80001234]]),
        # what only the token sets
        create(READ_ONLY, ec_public_template(peer, [["LOCAL", True]])),
        create(READ_ONLY, ec_public_template(peer, fixed)),
        create(OK, data_object("kept", token=True), "w"))
    assert res["d1"]["attrs"] == [[2, b"d1".hex()], [2, "0102"], [1, "00"],
                                  [1, "00"], [1, "01"]]
    # The token object is in the store: a new process finds it, logged out.
    expect(token_env, session(), *find(DATA, "kept", "kept"))


def test_copy_object(token_env):
    def copy(rv, obj, tmpl=(), name="x"):
        return c("CopyObject", rv, obj=obj, name=name, tmpl=list(tmpl))
    res = expect(
        token_env, session(), *keys(),
        c("CreateObject", name="d1", tmpl=data_object("d1")),
        copy(OK, "d1", [["LABEL", "c1"]], "c1"),
        attrs("c1", "c1", ("LABEL", 8), ("VALUE", 8), ("TOKEN", 1)),
        copy(READ_ONLY, "d1", [["CLASS", PRIV]]),
        copy(RO_SESSION, "d1", [["TOKEN", True]]), copy(BAD_OBJECT, "bad"),
        copy(OK, "d1", [["COPYABLE", False]], "nc"), copy(PROHIBITED, "nc"),
        # a key's copy is the same TPM key
        copy(OK, "ecpriv", [["TOKEN", False], ["LABEL", "copy"]], "copy"),
        c("SignInit", mech="ECDSA_SHA256", key="copy"),
        c("Sign", data=M, tag="sig"), attrs("ecpub", "pt", ("EC_POINT", 99)),
        copy(READ_ONLY, "copy", [["SENSITIVE", False]]),  # one-way
        c("Logout"), copy(BAD_OBJECT, "copy"),  # private: out of sight
        copy(LOGGED_OUT, "c1", [["PRIVATE", True]]))
    assert res["c1"]["attrs"] == [[2, b"c1".hex()], [2, "0102"], [1, "00"]]
    check_ecdsa(point_of(res["pt"]), res["sig"]["out"], MSG)


def test_destroy_object(token_env):
    def destroy(rv, obj, s="s"):
        return c("DestroyObject", rv, s=s, obj=obj)
    expect(token_env, session(), session("w", rw=True), *keys(),
           c("CreateObject", name="d1", tmpl=data_object("d1")),
           c("CopyObject", obj="d1", name="nd", tmpl=[["DESTROYABLE", False]]),
           destroy(PROHIBITED, "nd"), destroy(RO_SESSION, "ecpriv"),
           destroy(RO_SESSION, "ecpub"), destroy(BAD_OBJECT, "bad"),
           destroy(BAD_OBJECT, "zero"), destroy(OK, "d1"),
           destroy(BAD_OBJECT, "d1"), attrs("d1", "x", ("CLASS", 8),
                                            rv=BAD_OBJECT),
           c("CreateObject", s="w", name="t", tmpl=data_object("t", True)),
           destroy(OK, "t", "w"), c("Logout"),
           destroy(BAD_OBJECT, "ecpriv", "w"))
    # The token object left the store; the key pairs did not.
    expect(token_env, session(), login(), c("FindObjectsInit"),
           c("FindObjects", want={"count": 4}))


def test_get_attribute_value_fills_the_whole_template(token_env):
    res = expect(
        token_env, session(), *keys(),
        # a value that fits, a sensitive one, one the object lacks, a
        # buffer too small, and a value that fits: all five answered
        attrs("ecpriv", "mixed", ("LABEL", 32), ("VALUE", 64),
              ("MODULUS_BITS", 8), ("ID", 1), ("CLASS", 8),
              rv="CKR_ATTRIBUTE_SENSITIVE"),
        attrs("ecpriv", "sizes", ("LABEL", None), ("VALUE", None),
              ("MODULUS_BITS", None), ("ID", None), ("CLASS", None),
              rv="CKR_ATTRIBUTE_SENSITIVE"),
        attrs("ecpriv", "invalid", ("MODULUS_BITS", 8), ("VALUE", 64),
              ("LABEL", 1), rv=TYPE_INVALID),
        attrs("ecpriv", "small", ("ID", 1), ("CLASS", 8), rv=SMALL),
        attrs("ecpub", "pub", ("VALUE", 8), ("EC_PARAMS", 16),
              rv=TYPE_INVALID),
        attrs("bad", "x", ("CLASS", 8), rv=BAD_OBJECT),
        attrs("zero", "x", ("CLASS", 8), rv=BAD_OBJECT),
        c("GetObjectSize", obj="ecpriv", tag="size"),
        c("GetObjectSize", BAD_OBJECT, obj="bad"),
        c("Logout"),  # private objects are not there for the public
        attrs("ecpriv", "x", ("CLASS", 8), rv=BAD_OBJECT),
        c("GetObjectSize", BAD_OBJECT, obj="ecpriv"),
        attrs("ecpub", "x", ("CLASS", 8)))
    gone, cls = ["unavailable", None], struct.pack("@L", PRIV).hex()
    id_len = res["sizes"]["attrs"][3][0]
    assert id_len > 1
    assert res["mixed"]["attrs"] == [[2, b"ec".hex()], gone, gone, gone,
                                     [8, cls]]
    assert res["sizes"]["attrs"] == [[2, None], gone, gone, [id_len, None],
                                     [8, None]]
    assert res["invalid"]["attrs"] == [gone, gone, gone]
    assert res["small"]["attrs"] == [gone, [8, cls]]
    assert res["pub"]["attrs"] == [gone, [10, P256.hex()]]
    assert res["size"]["size"] > 0


def test_set_attribute_value_rules(token_env):
    def set_(rv, attr, value, obj="k"):
        return c("SetAttributeValue", rv, obj=obj, tmpl=[[attr, value]])
    res = expect(
        token_env, session(), *keys(),
        c("CopyObject", obj="ecpriv", name="k", tmpl=[["TOKEN", False]]),
        c("CreateObject", name="fixed",
          tmpl=data_object("fixed", extra=[["MODIFIABLE", False]])),
        # one-way: CKA_SENSITIVE only ever to CK_TRUE, CKA_EXTRACTABLE to
        # CK_FALSE, CKA_WRAP_WITH_TRUSTED to CK_TRUE, CKA_COPYABLE to CK_FALSE
        set_(OK, "LABEL", "renamed"), set_(READ_ONLY, "SENSITIVE", False),
        set_(OK, "SENSITIVE", True), set_(READ_ONLY, "EXTRACTABLE", True),
        set_(OK, "WRAP_WITH_TRUSTED", True),
        set_(READ_ONLY, "WRAP_WITH_TRUSTED", False),
        set_(OK, "COPYABLE", False), set_(READ_ONLY, "COPYABLE", True),
        set_(READ_ONLY, "CLASS", PUB), set_(READ_ONLY, "KEY_TYPE", 0),
        set_(READ_ONLY, "TOKEN", True), set_(READ_ONLY, "PRIVATE", False),
        set_(READ_ONLY, "MODIFIABLE", False), set_(READ_ONLY, "LOCAL", False),
        set_(READ_ONLY, "ALWAYS_SENSITIVE", False),
        set_(TYPE_INVALID, "MODULUS_BITS", 8),
        set_(VALUE_INVALID, "SIGN", hx(b"\1\0")),
        attrs("k", "k", ("LABEL", 16), ("SENSITIVE", 1),
              ("WRAP_WITH_TRUSTED", 1), ("COPYABLE", 1), ("TOKEN", 1)),
        set_(PROHIBITED, "LABEL", "x", "fixed"),
        set_(RO_SESSION, "LABEL", "x", "ecpriv"),
        set_(BAD_OBJECT, "LABEL", "x", "bad"), c("Logout"),
        set_(RO_SESSION, "LABEL", "x", "ecpub"),
        set_(BAD_OBJECT, "LABEL", "x"))
    assert res["k"]["attrs"] == [[7, b"renamed".hex()], [1, "01"], [1, "01"],
                                 [1, "00"], [1, "00"]]


def test_find_objects_protocol(token_env):
    def found(count, s="s", **kw):
        return c("FindObjects", s=s, want={"count": count}, **kw)
    expect(token_env, session(), session("t"), c("FindObjects", NOT_INIT),
           c("FindObjectsFinal", NOT_INIT), c("FindObjectsInit"),
           c("FindObjectsInit", ACTIVE),
           # logged out: the two public keys, one call at a time
           found(1, max=1), found(1), found(0),
           # a search in another session is its own
           c("FindObjectsInit", s="t", tmpl=[["LABEL", "ec"]]), found(1, "t"),
           c("FindObjectsFinal"), c("FindObjectsFinal", NOT_INIT),
           c("FindObjects", NOT_INIT), c("FindObjectsFinal", s="t"),
           login(), c("FindObjectsInit"), found(4), c("FindObjectsFinal"),
           c("FindObjectsInit", tmpl=[["MODULUS_BITS", 2048]]), found(1),
           c("FindObjectsFinal"),
           c("FindObjectsInit", tmpl=[[0x80001234, 1]]), found(0),
           c("FindObjectsFinal"))


# -- encryption and decryption ----------------------------------------------
def test_encrypt_length_protocol_and_refusals(token_env):
    head = MSG[:20].hex()
    res = expect(
        token_env, session(), *keys(), aes(), aes("pub_aes", private=False),
        c("CreateObject", name="d", tmpl=data_object("d")),
        c("Encrypt", NOT_INIT, data=M), c("EncryptUpdate", NOT_INIT, data=M),
        c("EncryptFinal", NOT_INIT), c("EncryptInit", key="aes", **CBC_PAD),
        c("EncryptInit", ACTIVE, key="aes", **CBC_PAD),
        c("Encrypt", data=head, out=None, want={"len": 32}),
        c("Encrypt", SMALL, data=head, out=16, want={"len": 32}),
        c("Encrypt", data=head, out=32, want={"out": cbc_pad(MSG[:20]).hex()}),
        c("Encrypt", NOT_INIT, data=head),  # done
        c("EncryptInit", key="aes", **CBC),
        c("EncryptUpdate", data=head, out=None, want={"len": 16}),
        c("EncryptUpdate", SMALL, data=head, out=0, want={"len": 16}),
        c("EncryptUpdate", data=head, tag="part1"),
        c("EncryptUpdate", data=MSG[20:].hex(), tag="part2"),
        c("EncryptFinal", out=None, want={"len": 0}),
        c("EncryptFinal", want={"out": ""}), c("EncryptFinal", NOT_INIT),
        # any other error ends the operation
        c("EncryptInit", key="aes", **ECB),
        c("Encrypt", "CKR_DATA_LEN_RANGE", data="00" * 15),
        c("Encrypt", NOT_INIT, data="00" * 16),
        c("EncryptInit", BAD_KEY, key="bad", **ECB),
        c("EncryptInit", KEY_TYPE, key="d", **ECB),
        c("EncryptInit", KEY_TYPE, key="ecpub", **ECB),
        c("EncryptInit", KEY_TYPE, mech="RSA_PKCS", key="rsapriv"),
        c("EncryptInit", BAD_MECH, mech="SHA256", key="aes"),
        c("EncryptInit", BAD_MECH, mech=0x80001234, key="aes"),
        # the TPM key needs the user, the public RSA key nobody
        c("EncryptInit", key="pub_aes", **ECB), c("Logout"),
        c("Encrypt", LOGGED_OUT, data="00" * 16),
        c("EncryptInit", mech="RSA_PKCS", key="rsapub"),
        c("Encrypt", data=head, out=None, want={"len": 256}),
        c("Encrypt", data=head, want={"len": 256}))
    assert bytes.fromhex(res["part1"]["out"] + res["part2"]["out"]) == \
        aes_with(modes.CBC(IV), MSG)


def test_decrypt_length_protocol_and_refusals(token_env):
    found = expect(token_env, session(), *find(PUB, "rsa", "rsapub"),
                   attrs("rsapub", "n", ("MODULUS", 512),
                         ("PUBLIC_EXPONENT", 8)))
    n, e = (int(v, 16) for _, v in found["n"]["attrs"])
    secret = os.urandom(10)
    rsa_ct = rsa.RSAPublicNumbers(e, n).public_key().encrypt(
        secret, rsa_padding.PKCS1v15()).hex()
    ct = cbc_pad(MSG[:20]).hex()
    res = expect(
        token_env, session(), *keys(), aes(),
        c("Decrypt", NOT_INIT, data=ct), c("DecryptUpdate", NOT_INIT, data=ct),
        c("DecryptFinal", NOT_INIT), c("DecryptInit", key="aes", **CBC_PAD),
        c("DecryptInit", ACTIVE, key="aes", **CBC_PAD),
        # room for any plaintext first, then the exact length
        c("Decrypt", data=ct, out=None, want={"len": 32}),
        c("Decrypt", SMALL, data=ct, out=4, want={"len": 20}),
        c("Decrypt", data=ct, out=20, want={"out": MSG[:20].hex()}),
        c("Decrypt", NOT_INIT, data=ct),
        c("DecryptInit", mech="RSA_PKCS", key="rsapriv"),
        c("Decrypt", data=rsa_ct, out=None, want={"len": 256}),
        c("Decrypt", SMALL, data=rsa_ct, out=5, want={"len": 10}),
        c("Decrypt", data=rsa_ct, out=10, want={"out": secret.hex()}),
        c("DecryptInit", key="aes", **ECB),
        c("DecryptUpdate", data=ct[:40], out=None, want={"len": 16}),
        c("DecryptUpdate", data=ct[:40], tag="block"),
        # four bytes left over: no whole block, and the operation ends
        c("DecryptFinal", "CKR_ENCRYPTED_DATA_LEN_RANGE", out=None),
        c("DecryptFinal", NOT_INIT),
        c("DecryptInit", KEY_TYPE, mech="RSA_PKCS", key="rsapub"),
        c("DecryptInit", KEY_TYPE, key="rsapriv", **CBC),
        c("DecryptInit", BAD_KEY, key="bad", **ECB), c("Logout"),
        c("DecryptInit", LOGGED_OUT, mech="RSA_PKCS", key="rsapriv"))
    assert bytes.fromhex(res["block"]["out"]) == aes_with(
        modes.ECB(), bytes.fromhex(ct[:32]), decrypt=True)


# -- message digests --------------------------------------------------------
def test_digest_length_protocol_and_refusals(token_env):
    indigestible = "CKR_KEY_INDIGESTIBLE"
    expect(token_env, session(), *find(PUB, "ec", "ecpub"),
           c("Digest", NOT_INIT, data=M), c("DigestUpdate", NOT_INIT, data=M),
           c("DigestKey", NOT_INIT, key="ecpub"), c("DigestFinal", NOT_INIT),
           c("DigestInit", mech="SHA256"),
           c("DigestInit", ACTIVE, mech="SHA256"),
           c("Digest", data=M, out=None, want={"len": 32}),
           c("Digest", SMALL, data=M, out=31, want={"len": 32}),
           c("Digest", data=M, out=32, want={"out": DIGEST.hex()}),
           c("Digest", NOT_INIT, data=M), c("DigestInit", mech="SHA512"),
           c("DigestUpdate", data=M[:14]), c("DigestUpdate", data=M[14:]),
           c("DigestFinal", out=None, want={"len": 64}),
           c("DigestFinal", SMALL, out=8, want={"len": 64}),
           c("DigestFinal", want={"out": hashlib.sha512(MSG).hexdigest()}),
           c("DigestFinal", NOT_INIT),
           c("DigestInit", BAD_MECH, mech="AES_ECB"),
           c("DigestInit", BAD_PARAM, mech="SHA256", param="00"),
           # no key value ever leaves the token; the refusal ends the digest
           c("DigestInit", mech="SHA_1"),
           c("DigestKey", indigestible, key="ecpub"),
           c("DigestFinal", NOT_INIT), c("DigestInit", mech="SHA_1"),
           c("DigestKey", BAD_KEY, key="bad"), c("DigestFinal", NOT_INIT),
           login(), aes(), c("DigestInit", mech="SHA_1"),
           c("DigestKey", indigestible, key="aes"))


SINGLE_AFTER_UPDATE = {  # the C_*Init arguments (and a signature)
    "Encrypt": ECB, "Decrypt": ECB, "Digest": {"mech": "SHA256"},
    "Sign": {"mech": "ECDSA_SHA256", "key": "ecpriv"},
    "Verify": {"mech": "ECDSA_SHA256", "key": "ecpub", "sig": "00" * 64}}


@pytest.mark.parametrize("kind", sorted(SINGLE_AFTER_UPDATE))
def test_a_single_part_call_after_an_update_ends_the_operation(token_env,
                                                               kind):
    init = step(kind + "Init", **{"key": "aes", **SINGLE_AFTER_UPDATE[kind]})
    steps = [step("Initialize"), step("OpenSession"),
             step("Login", pin=USER_PIN), aes()[0]] + [
        s for s, _ in find(PUB, "ec", "ecpub") + find(PRIV, "ec", "ecpriv")
    ] + [init, step(kind + "Update", data=M), dict(init, fn="C_" + kind,
                                                      data=M), init]
    # Whatever the single-part call answers, the operation is over.
    assert run_checked(token_env, steps, len(steps) - 2)[-1]["rv"] == OK


# -- signatures and verification --------------------------------------------
def test_sign_length_protocol_and_refusals(token_env):
    d = DIGEST.hex()

    def init(rv=OK, mech="ECDSA", key="ecpriv", **kw):
        return c("SignInit", rv, mech=mech, key=key, **kw)
    res = expect(
        token_env, session(), *keys(), aes(),
        attrs("ecpub", "pt", ("EC_POINT", 99)),
        c("Sign", NOT_INIT, data=d), c("SignUpdate", NOT_INIT, data=M),
        c("SignFinal", NOT_INIT), init(), init(ACTIVE),
        c("Sign", data=d, out=None, want={"len": 64}),
        c("Sign", SMALL, data=d, out=10, want={"len": 64}),
        c("Sign", data=d, out=64, tag="raw"), c("Sign", NOT_INIT, data=d),
        # CKM_ECDSA signs in one part only; the refusal ends it
        init(), c("SignUpdate", STUB, data=d), c("SignFinal", NOT_INIT),
        init(mech="ECDSA_SHA256"), c("SignUpdate", data=M[:10]),
        c("SignUpdate", data=M[10:]),
        c("SignFinal", out=None, want={"len": 64}),
        c("SignFinal", SMALL, out=1, want={"len": 64}),
        c("SignFinal", tag="parts"), c("SignFinal", NOT_INIT),
        init(KEY_TYPE, key="ecpub"),
        init(KEY_TYPE, mech="SHA256_RSA_PKCS"), init(KEY_TYPE, key="rsapriv"),
        init(KEY_TYPE, key="aes"), init(BAD_MECH, mech="SHA256"),
        init(BAD_MECH, mech="AES_ECB", key="aes"), init(BAD_KEY, key="bad"),
        init(BAD_PARAM, param="00"),
        # logging out refuses the running signature, which then ends
        # signatures with recovery are not offered (no mechanism says so)
        c("SignRecoverInit", STUB, mech="RSA_PKCS", key="rsapriv"),
        c("SignRecover", STUB), c("VerifyRecover", STUB),
        c("VerifyRecoverInit", STUB, mech="RSA_PKCS", key="rsapub"),
        init(mech="ECDSA_SHA256"), c("Logout"), c("Sign", LOGGED_OUT, data=M),
        init(LOGGED_OUT), login(), c("Sign", NOT_INIT, data=M))
    pub = point_of(res["pt"])
    check_ecdsa(pub, res["raw"]["out"], DIGEST, prehashed=True)
    check_ecdsa(pub, res["parts"]["out"], MSG)


def test_verify_termination_and_refusals(token_env):
    peer = ec.generate_private_key(ec.SECP256R1())
    r, s = utils.decode_dss_signature(peer.sign(MSG, ec.ECDSA(
        hashes.SHA256())))
    sig = (r.to_bytes(32, "big") + s.to_bytes(32, "big")).hex()
    invalid = "CKR_SIGNATURE_INVALID"

    def init(rv=OK, mech="ECDSA_SHA256", key="pub"):
        return c("VerifyInit", rv, mech=mech, key=key)

    def verify(rv=OK, data=M, sig=sig):
        return c("Verify", rv, data=data, sig=sig)
    expect(token_env, session(),
           c("CreateObject", name="pub",
             tmpl=ec_public_template(ec_point(peer.public_key()))),
           *find(PUB, "ec", "ecpub"), verify(NOT_INIT),
           c("VerifyUpdate", NOT_INIT, data=M),
           c("VerifyFinal", NOT_INIT, sig=sig),
           # logged out: a public key verifies in software
           init(), init(ACTIVE), verify(), verify(NOT_INIT),
           # every answer of C_Verify ends the operation
           init(), verify(invalid, data=M[2:]), verify(NOT_INIT),
           init(), verify("CKR_SIGNATURE_LEN_RANGE", sig=sig[:-2]),
           verify(NOT_INIT), init(), c("VerifyUpdate", data=M[:18]),
           c("VerifyUpdate", data=M[18:]), c("VerifyFinal", sig=sig),
           c("VerifyFinal", NOT_INIT, sig=sig), init(),
           c("VerifyUpdate", data=M), c("VerifyFinal", invalid, sig="00" * 64),
           c("VerifyFinal", NOT_INIT, sig=sig),
           init(mech="ECDSA"), verify(data=DIGEST.hex()),
           init(key="ecpub"), verify(invalid),  # not the token's signature
           init(KEY_TYPE, mech="SHA256_RSA_PKCS"),
           init(BAD_MECH, mech="SHA256"), init(BAD_KEY, key="bad"),
           login(), *find(PRIV, "ec", "ecpriv"), init(KEY_TYPE, key="ecpriv"))


def test_dual_function_updates(token_env):
    res = expect(
        token_env, session(), *keys(), aes(),
        attrs("ecpub", "pt", ("EC_POINT", 99)),
        c("DigestEncryptUpdate", NOT_INIT, data=M),
        c("DigestInit", mech="SHA256"), c("EncryptInit", key="aes", **CBC),
        c("DigestEncryptUpdate", data=M, out=None, want={"len": 32}),
        c("DigestEncryptUpdate", SMALL, data=M, out=8, want={"len": 32}),
        c("DigestEncryptUpdate", data=M,
          want={"out": aes_with(modes.CBC(IV), MSG).hex()}),
        c("DigestFinal", want={"out": DIGEST.hex()}),
        c("EncryptFinal", want={"out": ""}),
        c("SignInit", mech="ECDSA_SHA256", key="ecpriv"),
        c("EncryptInit", key="aes", **ECB),
        c("SignEncryptUpdate", data=M, save="ct",
          want={"out": aes_with(modes.ECB(), MSG).hex()}),
        c("SignFinal", save="sig", tag="sig"), c("EncryptFinal"),
        c("DecryptInit", key="aes", **ECB), c("DigestInit", mech="SHA256"),
        c("DecryptDigestUpdate", data="$ct", want={"out": M}),
        c("DigestFinal", want={"out": DIGEST.hex()}), c("DecryptFinal"),
        c("DecryptInit", key="aes", **ECB),
        c("VerifyInit", mech="ECDSA_SHA256", key="ecpub"),
        c("DecryptVerifyUpdate", data="$ct", want={"out": M}),
        c("VerifyFinal", sig="$sig"), c("DecryptFinal"),
        c("SignEncryptUpdate", NOT_INIT, data=M))
    check_ecdsa(point_of(res["pt"]), res["sig"]["out"], MSG)


# -- key management ---------------------------------------------------------
def test_generate_key(token_env):
    tmpl = [["TOKEN", False], ["VALUE_LEN", 16], ["ENCRYPT", True],
            ["DECRYPT", True]]

    def gen(rv=OK, mech="AES_KEY_GEN", tmpl=tmpl, **kw):
        return c("GenerateKey", rv, mech=mech, tmpl=tmpl, name="k", **kw)
    block = M[:32]
    res = expect(token_env, session(), gen(LOGGED_OUT), login(),
                 gen(),  # a session key needs no R/W session
                 c("EncryptInit", key="k", **ECB),
                 c("Encrypt", data=block, save="ct", tag="ct"),
                 c("DecryptInit", key="k", **ECB),
                 c("Decrypt", data="$ct", want={"out": block}),
                 gen(RO_SESSION, tmpl=[["TOKEN", True], ["VALUE_LEN", 16]]),
                 gen(BAD_MECH, mech="EC_KEY_PAIR_GEN"),
                 gen(BAD_PARAM, param="00"))
    assert res["ct"]["out"] != block


def test_generate_key_pair(token_env):
    pub = [["TOKEN", False], ["EC_PARAMS", hx(P256)], ["VERIFY", True]]
    priv = [["TOKEN", False], ["SIGN", True]]
    k1 = [["TOKEN", False], ["EC_PARAMS", hx(bytes.fromhex("06052b8104000a"))]]

    def pair(rv=OK, mech="EC_KEY_PAIR_GEN", pub=pub, priv=priv):
        return c("GenerateKeyPair", rv, mech=mech, pub=pub, priv=priv,
                 names=["p", "q"])
    res = expect(
        token_env, session(), pair(LOGGED_OUT), login(), pair(),
        attrs("p", "pt", ("EC_POINT", 99)),
        c("SignInit", mech="ECDSA_SHA256", key="q"),
        c("Sign", data=M, tag="sig"),
        pair(RO_SESSION, pub=[["TOKEN", True]] + pub[1:],
             priv=[["TOKEN", True]] + priv[1:]),
        pair(RO_SESSION, priv=[["TOKEN", True]] + priv[1:]),
        pair("CKR_TEMPLATE_INCOMPLETE", pub=[["TOKEN", False]]),
        pair("CKR_CURVE_NOT_SUPPORTED", pub=k1),  # secp256k1
        pair(BAD_MECH, mech="AES_KEY_GEN"),
        pair("CKR_KEY_SIZE_RANGE", mech="RSA_PKCS_KEY_PAIR_GEN",
             pub=[["TOKEN", False], ["MODULUS_BITS", 1024]]))
    check_ecdsa(point_of(res["pt"]), res["sig"]["out"], MSG)


def test_wrap_and_unwrap_refusals(token_env):
    point = ec_point(ec.generate_private_key(ec.SECP256R1()).public_key())

    def wrap(rv, key, wrapping="aes"):
        return c("WrapKey", rv, mech="AES_KEY_WRAP", wrapping=wrapping,
                 key=key)

    def unwrap(rv, key):
        return c("UnwrapKey", rv, mech="AES_KEY_WRAP", key=key,
                 data="00" * 24, tmpl=[["CLASS", SECRET],
                                       ["KEY_TYPE", PyKCS11.CKK_AES]])
    expect(token_env, session(), *keys(), aes(),
           # the one kind of key that may leave: an ECDH result made so
           c("DeriveKey", mech="ECDH1_DERIVE", point=point.hex(),
             key="ecpriv", name="free", tmpl=[
                 ["CLASS", SECRET], ["KEY_TYPE", PyKCS11.CKK_GENERIC_SECRET],
                 ["TOKEN", False], ["VALUE_LEN", 16], ["SENSITIVE", False],
                 ["EXTRACTABLE", True]]),
           wrap("CKR_KEY_UNEXTRACTABLE", "ecpriv"),
           wrap("CKR_KEY_UNEXTRACTABLE", "aes"),
           wrap("CKR_KEY_NOT_WRAPPABLE", "ecpub"), wrap(BAD_KEY, "bad"),
           wrap("CKR_WRAPPING_KEY_HANDLE_INVALID", "free", "bad"),
           # wrappable, but no wrapping mechanism is offered
           wrap(BAD_MECH, "free"), unwrap(BAD_MECH, "aes"),
           unwrap("CKR_UNWRAPPING_KEY_HANDLE_INVALID", "bad"), c("Logout"),
           wrap("CKR_WRAPPING_KEY_HANDLE_INVALID", "ecpriv"))


def test_derive_key_refusals_and_result(token_env):
    peer = ec.generate_private_key(ec.SECP256R1())
    plain = [["CLASS", SECRET], ["KEY_TYPE", PyKCS11.CKK_GENERIC_SECRET],
             ["TOKEN", False], ["VALUE_LEN", 16], ["SENSITIVE", False],
             ["EXTRACTABLE", True]]
    kept = [["CLASS", SECRET], ["KEY_TYPE", PyKCS11.CKK_AES],
            ["TOKEN", True], ["VALUE_LEN", 16], ["ENCRYPT", True]]

    def derive(rv=OK, key="ecpriv", mech="ECDH1_DERIVE", tmpl=plain,
               point=ec_point(peer.public_key()).hex()):
        params = {"point": point} if point else {}
        return c("DeriveKey", rv, mech=mech, key=key, tmpl=tmpl, name="z",
                 **params)
    res = expect(
        token_env, session(), *keys(), attrs("ecpub", "pt", ("EC_POINT", 99)),
        c("Logout"), derive(LOGGED_OUT), login(), aes(),
        derive(BAD_KEY, key="bad"), derive(KEY_TYPE, key="aes"),
        derive(KEY_TYPE, key="ecpub"), derive(KEY_TYPE, key="rsapriv"),
        derive(BAD_MECH, mech="SHA256", point=None),
        derive(BAD_PARAM, point=None),  # no CK_ECDH1_DERIVE_PARAMS
        derive(RO_SESSION, tmpl=kept), derive(),
        attrs("z", "z", ("VALUE", 16)))
    shared = peer.exchange(ec.ECDH(), point_of(res["pt"]))
    assert res["z"]["attrs"] == [[16, shared[:16].hex()]]


# -- random numbers, parallel functions, operation state --------------------
def test_random_parallel_functions_and_operation_state(env):
    env.add_token("t1")
    res = expect(
        env, session(),  # R/O and public: no login needed
        c("GenerateRandom", len=32, tag="a"),
        c("GenerateRandom", len=32, tag="b"),
        c("GenerateRandom", len=0, want={"out": ""}),
        c("SeedRandom", "CKR_RANDOM_SEED_NOT_SUPPORTED", data="00" * 8),
        c("GetFunctionStatus", "CKR_FUNCTION_NOT_PARALLEL"),
        c("CancelFunction", "CKR_FUNCTION_NOT_PARALLEL"),
        c("GetOperationState", NOT_INIT),
        c("GetOperationState", NOT_INIT, out=64),
        c("DigestInit", mech="SHA256"),
        c("GetOperationState", "CKR_STATE_UNSAVEABLE"),
        c("SetOperationState", "CKR_SAVED_STATE_INVALID", state="00" * 8),
        # neither refusal touched the running digest
        c("Digest", data=M, want={"out": DIGEST.hex()}))
    a, b = res["a"]["out"], res["b"]["out"]
    assert len(a) == len(b) == 64 and a != b
