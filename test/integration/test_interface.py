"""PKCS#11 3.0 interface discovery as real clients use it: OpenSC's
pkcs11-tool picks the 3.0 list through C_GetInterface, and a ctypes
client finds both lists and calls through the 3.0 one."""
import ctypes
import os

from conftest import MODULE, USER_PIN

CKR_OK = 0


class Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_ubyte), ("minor", ctypes.c_ubyte)]


class Interface(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("functions", ctypes.c_void_p),
                ("flags", ctypes.c_ulong)]


class Info(ctypes.Structure):
    _fields_ = [("cryptoki", Version), ("manufacturer", ctypes.c_char * 32),
                ("flags", ctypes.c_ulong), ("description", ctypes.c_char * 32),
                ("library", Version)]


def test_pkcs11_tool_uses_the_3_0_list(token_env):
    out = token_env.run("pkcs11-tool", "--module", MODULE, "-I").stdout
    assert "Cryptoki version 3.0" in out
    # Everything else pkcs11-tool does then goes through that list too.
    out = token_env.run("pkcs11-tool", "--module", MODULE, "--login",
                        "--pin", USER_PIN, "-O").stdout
    assert "Private Key Object; EC" in out


def discover(module):
    """Runs in its own process (the sanitizer build needs its runtime
    preloaded): discovery, then calls through the 3.0 list."""
    lib = ctypes.CDLL(module)
    count = ctypes.c_ulong(0)
    assert lib.C_GetInterfaceList(None, ctypes.byref(count)) == CKR_OK
    assert count.value == 2
    ifaces = (Interface * 2)()
    assert lib.C_GetInterfaceList(ifaces, ctypes.byref(count)) == CKR_OK
    versions = [Version.from_address(i.functions) for i in ifaces]
    assert [(v.major, v.minor) for v in versions] == [(3, 0), (2, 40)]
    assert all(i.name == b"PKCS 11" for i in ifaces)
    chosen = ctypes.POINTER(Interface)()
    assert lib.C_GetInterface(None, None, ctypes.byref(chosen), 0) == CKR_OK
    assert chosen.contents.functions == ifaces[0].functions
    # C_Initialize, C_Finalize and C_GetInfo through the 3.0 list's slots.
    slots = ctypes.cast(chosen.contents.functions + 8,
                        ctypes.POINTER(ctypes.c_void_p))
    initialize = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p)(slots[0])
    finalize = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p)(slots[1])
    get_info = ctypes.CFUNCTYPE(ctypes.c_ulong,
                                ctypes.POINTER(Info))(slots[2])
    assert initialize(None) == CKR_OK
    info = Info()
    assert get_info(ctypes.byref(info)) == CKR_OK
    assert (info.cryptoki.major, info.cryptoki.minor) == (3, 0)
    assert info.manufacturer.startswith(b"tpmcard")
    assert finalize(None) == CKR_OK
    print("discovered")


def test_ctypes_client_discovers_both_interfaces(token_env):
    here = os.path.dirname(os.path.abspath(__file__))
    code = ("import sys; sys.path.insert(0, %r); import test_interface; "
            "test_interface.discover(%r)" % (here, MODULE))
    out = token_env.run("/usr/bin/python3", "-c", code, check=False)
    assert out.returncode == 0, out.stderr
    assert "discovered" in out.stdout
