"""PKCS#11 3.0 interface discovery as real clients use it: a ctypes client
finds both lists with C_GetInterfaceList and works through the 3.0 one;
OpenSC's pkcs11-tool picks the 3.0 list itself; p11-kit 0.24 (which knows
only C_GetFunctionList) still lists and proxies the module."""
import ctypes
import json
import os
import shutil

import pytest

from conftest import MODULE, PRELOAD, USER_PIN

CKR_OK = 0
CKR_ARGUMENTS_BAD = 0x7
CKR_FUNCTION_NOT_SUPPORTED = 0x54
CKR_OPERATION_NOT_INITIALIZED = 0x91
CKR_PIN_INCORRECT = 0xA0
CKF_RW_SESSION = 0x2
CKF_SERIAL_SESSION = 0x4
CKF_SIGN = 0x800
CKF_INTERFACE_FORK_SAFE = 0x1
CKU_USER = 1
CKA_CLASS = 0x0
CKA_LABEL = 0x3
CKA_PUBLIC_KEY_INFO = 0x129
CKO_PRIVATE_KEY = 3
CKM_ECDSA_SHA256 = 0x1044

# The order of CK_FUNCTION_LIST_3_0: the 2.40 list, then what 3.0 adds.
V2_FUNCTIONS = """Initialize Finalize GetInfo GetFunctionList GetSlotList
    GetSlotInfo GetTokenInfo GetMechanismList GetMechanismInfo InitToken
    InitPIN SetPIN OpenSession CloseSession CloseAllSessions GetSessionInfo
    GetOperationState SetOperationState Login Logout CreateObject CopyObject
    DestroyObject GetObjectSize GetAttributeValue SetAttributeValue
    FindObjectsInit FindObjects FindObjectsFinal EncryptInit Encrypt
    EncryptUpdate EncryptFinal DecryptInit Decrypt DecryptUpdate DecryptFinal
    DigestInit Digest DigestUpdate DigestKey DigestFinal SignInit Sign
    SignUpdate SignFinal SignRecoverInit SignRecover VerifyInit Verify
    VerifyUpdate VerifyFinal VerifyRecoverInit VerifyRecover
    DigestEncryptUpdate DecryptDigestUpdate SignEncryptUpdate
    DecryptVerifyUpdate GenerateKey GenerateKeyPair WrapKey UnwrapKey
    DeriveKey SeedRandom GenerateRandom GetFunctionStatus CancelFunction
    WaitForSlotEvent""".split()
V3_FUNCTIONS = """GetInterfaceList GetInterface LoginUser SessionCancel
    MessageEncryptInit EncryptMessage EncryptMessageBegin EncryptMessageNext
    MessageEncryptFinal MessageDecryptInit DecryptMessage DecryptMessageBegin
    DecryptMessageNext MessageDecryptFinal MessageSignInit SignMessage
    SignMessageBegin SignMessageNext MessageSignFinal MessageVerifyInit
    VerifyMessage VerifyMessageBegin VerifyMessageNext
    MessageVerifyFinal""".split()

ULONG = ctypes.c_ulong
PTR = ctypes.c_void_p


class Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_ubyte), ("minor", ctypes.c_ubyte)]


class Interface(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("functions", PTR),
                ("flags", ULONG)]


class FunctionList30(ctypes.Structure):
    _fields_ = [("version", Version)] + [
        ("C_" + name, PTR) for name in V2_FUNCTIONS + V3_FUNCTIONS]


class Info(ctypes.Structure):
    _fields_ = [("cryptoki", Version), ("manufacturer", ctypes.c_char * 32),
                ("flags", ULONG), ("description", ctypes.c_char * 32),
                ("library", Version)]


class TokenInfo(ctypes.Structure):
    _fields_ = [("label", ctypes.c_char * 32),
                ("manufacturer", ctypes.c_char * 32),
                ("model", ctypes.c_char * 16), ("serial", ctypes.c_char * 16),
                ("flags", ULONG)] + [("counts%d" % i, ULONG)
                                     for i in range(10)] + [
                ("hardware", Version), ("firmware", Version),
                ("utc", ctypes.c_char * 16)]


class Attribute(ctypes.Structure):
    _fields_ = [("type", ULONG), ("value", PTR), ("len", ULONG)]


class Mechanism(ctypes.Structure):
    _fields_ = [("type", ULONG), ("param", PTR), ("len", ULONG)]


class Calls:
    """The 3.0 list's entries, called by name with ctypes' conversions."""

    def __init__(self, address):
        self.list = FunctionList30.from_address(address)

    def __getattr__(self, name):
        fn = getattr(self.list, name)
        assert fn, name + " is NULL in the 3.0 list"
        return lambda *args: ctypes.CFUNCTYPE(ULONG)(fn)(*args)


def buf(text):
    return ctypes.create_string_buffer(text.encode(), len(text))


def find_ec_key(p11, s):
    cls = ULONG(CKO_PRIVATE_KEY)
    tmpl = (Attribute * 2)(
        Attribute(CKA_CLASS, ctypes.cast(ctypes.byref(cls), PTR),
                  ctypes.sizeof(cls)),
        Attribute(CKA_LABEL, ctypes.cast(buf("ec"), PTR), 2))
    key, n = ULONG(), ULONG()
    assert p11.C_FindObjectsInit(s, tmpl, ULONG(2)) == CKR_OK
    assert p11.C_FindObjects(s, ctypes.byref(key), ULONG(1),
                             ctypes.byref(n)) == CKR_OK
    assert p11.C_FindObjectsFinal(s) == CKR_OK
    assert n.value == 1
    return key


def public_key_info(p11, s, key):
    spki = ctypes.create_string_buffer(512)
    attr = Attribute(CKA_PUBLIC_KEY_INFO, ctypes.cast(spki, PTR), 512)
    assert p11.C_GetAttributeValue(s, key, ctypes.byref(attr),
                                   ULONG(1)) == CKR_OK
    return spki.raw[:attr.len].hex()


def sign(p11, s, key, data):
    mech = Mechanism(CKM_ECDSA_SHA256, None, 0)
    sig, n = ctypes.create_string_buffer(128), ULONG(128)
    assert p11.C_SignInit(s, ctypes.byref(mech), key) == CKR_OK
    rv = p11.C_Sign(s, data, ULONG(len(data)), sig, ctypes.byref(n))
    return rv, sig.raw[:n.value]


def token_slot(p11, label):
    slots, n = (ULONG * 8)(), ULONG(8)
    assert p11.C_GetSlotList(ctypes.c_ubyte(1), slots, ctypes.byref(n)) == 0
    for slot in slots[:n.value]:
        info = TokenInfo()
        if (p11.C_GetTokenInfo(ULONG(slot), ctypes.byref(info)) == CKR_OK
                and info.label.rstrip() == label.encode()):
            return ULONG(slot)
    raise AssertionError("no token " + label)


def discover(lib):
    """C_GetInterfaceList and C_GetInterface, before C_Initialize."""
    res = {}
    count = ULONG(0)
    assert lib.C_GetInterfaceList(None, ctypes.byref(count)) == CKR_OK
    ifaces = (Interface * count.value)()
    assert lib.C_GetInterfaceList(ifaces, ctypes.byref(count)) == CKR_OK
    res["interfaces"] = [
        [i.name.decode(), Version.from_address(i.functions).major,
         Version.from_address(i.functions).minor, i.flags] for i in ifaces]
    chosen = ctypes.POINTER(Interface)()
    assert lib.C_GetInterface(None, None, ctypes.byref(chosen),
                              ULONG(0)) == CKR_OK
    res["default_is_first"] = chosen.contents.functions == ifaces[0].functions
    v240 = Version(2, 40)
    assert lib.C_GetInterface(b"PKCS 11", ctypes.byref(v240),
                              ctypes.byref(chosen), ULONG(0)) == CKR_OK
    v2 = ctypes.c_void_p()
    assert lib.C_GetFunctionList(ctypes.byref(v2)) == CKR_OK
    res["v240_is_function_list"] = chosen.contents.functions == v2.value
    res["fork_safe"] = lib.C_GetInterface(
        None, None, ctypes.byref(chosen), ULONG(CKF_INTERFACE_FORK_SAFE))
    return res, ifaces[0].functions


def scenario(module, pin):
    """Runs in its own process (the sanitizer build needs its runtime
    preloaded): discovery, then a login and signatures through 3.0."""
    lib = ctypes.CDLL(module)
    res, v3 = discover(lib)
    p11 = Calls(v3)
    assert p11.C_Initialize(None) == CKR_OK
    info = Info()
    assert p11.C_GetInfo(ctypes.byref(info)) == CKR_OK
    res["cryptoki"] = [info.cryptoki.major, info.cryptoki.minor]
    s = ULONG()
    assert p11.C_OpenSession(token_slot(p11, "t1"),
                             ULONG(CKF_SERIAL_SESSION | CKF_RW_SESSION),
                             None, None, ctypes.byref(s)) == CKR_OK
    res["login_named"] = p11.C_LoginUser(s, ULONG(CKU_USER), buf(pin),
                                         ULONG(len(pin)), buf("alice"),
                                         ULONG(5))
    res["login_wrong"] = p11.C_LoginUser(s, ULONG(CKU_USER), buf("000000"),
                                         ULONG(6), None, ULONG(0))
    res["login"] = p11.C_LoginUser(s, ULONG(CKU_USER), buf(pin),
                                   ULONG(len(pin)), None, ULONG(0))
    key = find_ec_key(p11, s)
    res["spki"] = public_key_info(p11, s, key)
    # A signature started, cancelled, and then made for real.
    mech = Mechanism(CKM_ECDSA_SHA256, None, 0)
    assert p11.C_SignInit(s, ctypes.byref(mech), key) == CKR_OK
    res["cancel"] = p11.C_SessionCancel(s, ULONG(CKF_SIGN))
    sig, n = ctypes.create_string_buffer(128), ULONG(128)
    res["sign_cancelled"] = p11.C_Sign(s, b"data", ULONG(4), sig,
                                       ctypes.byref(n))
    res["sign"], signature = sign(p11, s, key, b"data")
    res["signature"] = signature.hex()
    res["message_sign"] = p11.C_MessageSignInit(s, ctypes.byref(mech), key)
    assert p11.C_Logout(s) == CKR_OK
    assert p11.C_CloseSession(s) == CKR_OK
    assert p11.C_Finalize(None) == CKR_OK
    print(json.dumps(res))


def run_scenario(env):
    here = os.path.dirname(os.path.abspath(__file__))
    code = ("import sys; sys.path.insert(0, %r); import test_interface; "
            "test_interface.scenario(%r, %r)" % (here, MODULE, USER_PIN))
    out = env.run("/usr/bin/python3", "-c", code, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_ctypes_client_works_through_the_3_0_list(token_env):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    res = run_scenario(token_env)
    assert res["interfaces"] == [["PKCS 11", 3, 0, 0], ["PKCS 11", 2, 40, 0]]
    assert res["default_is_first"] and res["v240_is_function_list"]
    assert res["fork_safe"] == CKR_ARGUMENTS_BAD
    assert res["cryptoki"] == [3, 0]
    assert res["login_named"] == CKR_ARGUMENTS_BAD
    assert res["login_wrong"] == CKR_PIN_INCORRECT
    assert res["login"] == CKR_OK
    assert res["cancel"] == CKR_OK
    assert res["sign_cancelled"] == CKR_OPERATION_NOT_INITIALIZED
    assert res["sign"] == CKR_OK
    assert res["message_sign"] == CKR_FUNCTION_NOT_SUPPORTED
    # The signature made through the 3.0 list is the key's.
    pub = serialization.load_der_public_key(bytes.fromhex(res["spki"]))
    raw = bytes.fromhex(res["signature"])
    assert len(raw) == 64
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                     int.from_bytes(raw[32:], "big"))
    pub.verify(der, b"data", ec.ECDSA(hashes.SHA256()))


def pkcs11_tool(env, module, *args, check=True):
    return env.run("pkcs11-tool", "--module", module, *args, check=check)


def test_pkcs11_tool_uses_the_3_0_list(token_env):
    out = pkcs11_tool(token_env, MODULE, "-I").stdout
    assert "Cryptoki version 3.0" in out
    assert "tpmcard" in out
    # Everything else pkcs11-tool does then goes through that list too.
    out = pkcs11_tool(token_env, MODULE, "-L").stdout
    assert "token label        : t1" in out
    out = pkcs11_tool(token_env, MODULE, "--token-label", "t1", "--login",
                      "--pin", USER_PIN, "-O").stdout
    assert "Private Key Object; EC" in out
    res = pkcs11_tool(token_env, MODULE, "--token-label", "t1", "--login",
                      "--pin", "000000", "-O", check=False)
    assert res.returncode != 0
    assert "CKR_PIN_INCORRECT" in res.stdout + res.stderr


def p11kit_run(env, tmp_path, *cmd, check=True):
    """Runs cmd with p11-kit configured to load only this module.

    p11-kit reads a user's configuration (~/.config/pkcs11/modules) but
    ignores it for root; as root, a private mount namespace shows cmd a
    module directory of our own instead of the system one, and the system
    is left untouched."""
    config = tmp_path / "modules"
    config.mkdir(parents=True)
    (config / "tpmcard-test.module").write_text("module: %s\n" % MODULE)
    if os.geteuid() != 0:
        user = tmp_path / ".config" / "pkcs11"
        user.mkdir(parents=True)
        (user / "modules").symlink_to(config)
        return env.run(*cmd, env={"HOME": str(tmp_path)}, check=check)
    if env.run("unshare", "-m", "true", check=False).returncode != 0:
        pytest.skip("root without a mount namespace: p11-kit would read "
                    "only the system configuration")
    script = 'mount --bind "$0" /usr/share/p11-kit/modules && exec "$@"'
    return env.run("unshare", "-m", "sh", "-c", script, str(config), *cmd,
                   check=check)


def p11kit_proxy():
    for path in ("/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
                 "/usr/lib/x86_64-linux-gnu/libp11-kit.so.0"):
        if os.path.exists(path):
            return path
    pytest.skip("no p11-kit proxy module")


def test_p11kit_lists_the_module(token_env, tmp_path):
    if shutil.which("p11-kit") is None:
        pytest.skip("p11-kit (the tool) is not installed")
    if PRELOAD:
        # With the ASan runtime preloaded, p11-kit hangs at exit in its
        # own destructor (freelocale), whatever module it loaded.
        pytest.skip("p11-kit deadlocks at exit under a preloaded ASan")
    out = p11kit_run(token_env, tmp_path, "p11-kit", "list-modules").stdout
    assert "tpmcard-test: " + MODULE in out
    assert "library-manufacturer: tpmcard" in out
    assert "token: t1" in out


def test_p11kit_proxy_serves_the_module(token_env, tmp_path):
    proxy = p11kit_proxy()
    out = p11kit_run(token_env, tmp_path, "pkcs11-tool", "--module", proxy,
                     "-I", "-L").stdout
    # The proxy speaks 2.40 itself, and reaches us through 2.40.
    assert "Cryptoki version 2.40" in out
    assert "token label        : t1" in out
    out = p11kit_run(token_env, tmp_path / "a", "pkcs11-tool", "--module",
                     proxy, "--token-label", "t1", "--login", "--pin",
                     USER_PIN, "-O").stdout
    assert "Private Key Object; EC" in out
    assert "Private Key Object; RSA" in out
    res = p11kit_run(token_env, tmp_path / "b", "pkcs11-tool", "--module",
                     proxy, "--token-label", "t1", "--login", "--pin",
                     "000000", "-O", check=False)
    assert res.returncode != 0
    assert "CKR_PIN_INCORRECT" in res.stdout + res.stderr
