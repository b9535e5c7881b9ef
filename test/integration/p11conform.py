"""Runs one conformance scenario against the module in a fresh process and
prints JSON: one result per step, each with the exact CK_RV name.

PyKCS11's low-level calls (PyKCS11.LowLevel.CPKCS11Lib) make every call
whose wrapper hands its arguments through unchanged.  The rest go through
the module's own 2.40 function list, from C_GetFunctionList of the same
loaded library: the functions PyKCS11 lacks (C_CopyObject, operation
state, recover, dual-function, parallel), the length protocols it hides
(a NULL or short output buffer, each template entry's ulValueLen) and
whatever must run before C_Initialize.  The process starts with the
library loaded and not initialized.

A step is {"fn": "C_...", ...}; its other keys name what the call gets:
  s                 a session by name ("s" unless given), "bad" or "zero"
  name, names       binds what the call makes (a session, objects)
  key, obj, wrapping  an object by name, "bad" or "zero"
  slot              "token" (the default), "empty", "bad" or a number
  mech, param, point  a mechanism by name or number, its parameter in
                    hex, or an ECDH peer's point (CKD_NULL)
  data, sig, state  hex, or "$name" for an output kept with "save"
  out               output buffer size; None passes a NULL buffer
  tmpl              [[attribute, value], ...]; for C_GetAttributeValue
                    [[attribute, buffer size or None], ...]
Keys the runner does not know ("want", "tag") are the test's.  Each
result has "rv", the CK_RV's name, and what came out.

usage: p11conform.py MODULE JSON-STEPS
"""
import ctypes
import json
import os
import sys

import PyKCS11
from PyKCS11 import LowLevel

ULONG = ctypes.c_ulong
PTR = ctypes.c_void_p
UNAVAILABLE = ULONG(-1).value
BAD_HANDLE = 0x7fff1234

FUNCTIONS = """Initialize Finalize GetInfo GetFunctionList GetSlotList
    GetSlotInfo GetTokenInfo GetMechanismList GetMechanismInfo InitToken
    InitPIN SetPIN OpenSession CloseSession CloseAllSessions GetSessionInfo
    GetOperationState SetOperationState Login Logout CreateObject CopyObject
    DestroyObject GetObjectSize GetAttributeValue SetAttributeValue
    FindObjectsInit FindObjects FindObjectsFinal EncryptInit Encrypt
    EncryptUpdate EncryptFinal DecryptInit Decrypt DecryptUpdate
    DecryptFinal DigestInit Digest DigestUpdate DigestKey DigestFinal
    SignInit Sign SignUpdate SignFinal SignRecoverInit SignRecover
    VerifyInit Verify VerifyUpdate VerifyFinal VerifyRecoverInit
    VerifyRecover DigestEncryptUpdate DecryptDigestUpdate
    SignEncryptUpdate DecryptVerifyUpdate GenerateKey GenerateKeyPair
    WrapKey UnwrapKey DeriveKey SeedRandom GenerateRandom
    GetFunctionStatus CancelFunction WaitForSlotEvent""".split()


class Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_ubyte), ("minor", ctypes.c_ubyte)]


class FunctionList(ctypes.Structure):
    _fields_ = [("version", Version)] + [("C_" + n, PTR) for n in FUNCTIONS]


def chars(n):
    return ctypes.c_ubyte * n


class Info(ctypes.Structure):
    _fields_ = [("cryptokiVersion", Version), ("manufacturerID", chars(32)),
                ("flags", ULONG), ("libraryDescription", chars(32)),
                ("libraryVersion", Version)]


class SlotInfo(ctypes.Structure):
    _fields_ = [("slotDescription", chars(64)), ("manufacturerID", chars(32)),
                ("flags", ULONG), ("hardwareVersion", Version),
                ("firmwareVersion", Version)]


COUNTS = ("ulMaxSessionCount ulSessionCount ulMaxRwSessionCount "
          "ulRwSessionCount ulMaxPinLen ulMinPinLen ulTotalPublicMemory "
          "ulFreePublicMemory ulTotalPrivateMemory ulFreePrivateMemory")


class TokenInfo(ctypes.Structure):
    _fields_ = [("label", chars(32)), ("manufacturerID", chars(32)),
                ("model", chars(16)), ("serialNumber", chars(16)),
                ("flags", ULONG)] + [(n, ULONG) for n in COUNTS.split()] + [
                ("hardwareVersion", Version), ("firmwareVersion", Version),
                ("utcTime", chars(16))]


class Attribute(ctypes.Structure):
    _fields_ = [("type", ULONG), ("pValue", PTR), ("ulValueLen", ULONG)]


class Mechanism(ctypes.Structure):
    _fields_ = [("mechanism", ULONG), ("pParameter", PTR),
                ("ulParameterLen", ULONG)]


class InitArgs(ctypes.Structure):
    _fields_ = [("CreateMutex", PTR), ("DestroyMutex", PTR),
                ("LockMutex", PTR), ("UnlockMutex", PTR), ("flags", ULONG),
                ("pReserved", PTR)]


# 2.40 codes this PyKCS11 has no name for.
MORE_NAMES = {0x1b: "CKR_ACTION_PROHIBITED"}


def rv_name(rv):
    return PyKCS11.CKR.get(rv) or MORE_NAMES.get(rv, hex(rv))


def code(prefix, name):
    """A constant by its name without prefix ("SHA256"), or a number."""
    return name if isinstance(name, int) else getattr(PyKCS11, prefix + name)


def struct_dict(st):
    """A ctypes info structure as JSON: text fields as latin-1 strings."""
    out = {}
    for name, _ in st._fields_:
        value = getattr(st, name)
        if isinstance(value, Version):
            value = [value.major, value.minor]
        elif isinstance(value, ctypes.Array):
            value = bytes(value).decode("latin-1")
        out[name] = value
    return out


def info_result(rv, info):
    return {"rv": rv, "info": struct_dict(info)} if rv == 0 else {"rv": rv}


def attr_value(value):
    """The bytes of a template value: bool, int (CK_ULONG), text, or
    {"hex": ...} for any raw bytes."""
    if isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    if isinstance(value, int):
        return bytes(ULONG(value))
    if isinstance(value, dict):
        return bytes.fromhex(value["hex"])
    return value.encode()


class Runner:
    def __init__(self, module):
        self.cdll = ctypes.CDLL(module)
        self.ll = LowLevel.CPKCS11Lib()
        rv = self.ll.Load(module)  # C_GetFunctionList, C_Initialize
        assert rv == PyKCS11.CKR_OK, rv_name(rv)
        rv = self.ll.C_Finalize()  # every step starts from nothing
        assert rv == PyKCS11.CKR_OK, rv_name(rv)
        flist = ctypes.POINTER(FunctionList)()
        assert self.cdll.C_GetFunctionList(ctypes.byref(flist)) == 0
        self.fl = flist.contents
        self.sessions, self.objects, self.saved = {}, {}, {}
        self.token_slot = None
        self.keep = []  # buffers a call's pointers need

    # -- names to handles -------------------------------------------------

    def call(self, name, *args):
        """A function of the module's list; ints pass as CK_ULONG."""
        fn = ctypes.CFUNCTYPE(ULONG)(getattr(self.fl, name))
        return fn(*[ULONG(a) if isinstance(a, int) else a for a in args])

    def slot(self, step):
        name = step.get("slot", "token")
        if isinstance(name, int):
            return name
        if name == "empty":
            return 0
        if name == "bad":
            return 4242
        if self.token_slot is None:
            self.token_slot = self.find_token_slot()
        return self.token_slot

    def find_token_slot(self):
        """The first slot holding an initialized token (once known, kept:
        it is asked while the module is initialized)."""
        slots = LowLevel.ckintlist()
        rv = self.ll.C_GetSlotList(0, slots)
        assert rv == PyKCS11.CKR_OK, rv_name(rv)
        for s in slots:
            info = LowLevel.CK_TOKEN_INFO()
            self.ll.C_GetTokenInfo(s, info)
            if info.flags & PyKCS11.CKF_TOKEN_INITIALIZED:
                return s
        raise SystemExit("no initialized token")

    def sid(self, step):
        name = step.get("s", "s")
        if name in ("bad", "zero"):
            return BAD_HANDLE if name == "bad" else 0
        return self.sessions[name]

    def sh(self, step):
        handle = LowLevel.CK_SESSION_HANDLE()
        handle.assign(self.sid(step))
        return handle

    def oid(self, step, field="key"):
        name = step[field]
        if name in ("bad", "zero"):
            return BAD_HANDLE if name == "bad" else 0
        return self.objects[name]

    def oh(self, step, field="key"):
        handle = LowLevel.CK_OBJECT_HANDLE()
        handle.assign(self.oid(step, field))
        return handle

    def data(self, step, field="data"):
        value = step.get(field, "")
        if value.startswith("$"):
            return self.saved[value[1:]]
        return bytes.fromhex(value)

    def mech(self, step):
        """A PyKCS11 mechanism as CK_MECHANISM; "param" is its parameter in
        hex, "point" an ECDH peer's public point.  The wrapper, which owns
        the parameter's memory, lives until the next step."""
        spec = step["mech"]
        mtype = code("CKM_", spec)
        if "point" in step:
            mech = PyKCS11.ECDH1_DERIVE_Mechanism(
                bytes.fromhex(step["point"]), PyKCS11.CKD_NULL, None)
        else:
            param = bytes.fromhex(step["param"]) if "param" in step else None
            mech = PyKCS11.Mechanism(mtype, param)
        self.keep.append(mech)
        return mech.to_native()

    def template(self, spec):
        """A PyKCS11 template from [[name, value], ...]."""
        tmpl = LowLevel.ckattrlist(len(spec))
        for i, (name, value) in enumerate(spec):
            tmpl[i].SetBin(code("CKA_", name),
                           PyKCS11.ckbytelist(attr_value(value)))
        return tmpl

    def buffer(self, tmpl, i, value):
        buf = ctypes.create_string_buffer(value, len(value))
        self.keep.append(buf)
        tmpl[i].pValue = ctypes.cast(buf, PTR)
        tmpl[i].ulValueLen = len(value)

    def value_template(self, spec):
        """A ctypes template from [[name, value], ...]."""
        tmpl = (Attribute * max(len(spec), 1))()
        for i, (name, value) in enumerate(spec):
            tmpl[i].type = code("CKA_", name)
            self.buffer(tmpl, i, attr_value(value))
        return tmpl

    def query_template(self, spec):
        """A ctypes template from [[name, size], ...]: a buffer of size
        bytes, or a NULL pValue for None."""
        tmpl = (Attribute * max(len(spec), 1))()
        for i, (name, size) in enumerate(spec):
            tmpl[i].type = code("CKA_", name)
            if size is not None:
                self.buffer(tmpl, i, b"\0" * size)
        return tmpl

    # -- general purpose, slots and tokens --------------------------------

    def do_C_Initialize(self, step):
        args = step.get("args")
        if args is None:
            return {"rv": self.call("C_Initialize", None)}
        ia = InitArgs(flags=sum(code("CKF_", f)
                                for f in args.get("flags", [])))
        if args.get("reserved"):
            ia.pReserved = ctypes.cast(ctypes.pointer(ULONG(1)), PTR)
        if args.get("partial_mutex"):
            ia.CreateMutex = ctypes.cast(self.cdll.C_GetInfo, PTR)
        return {"rv": self.call("C_Initialize", ctypes.byref(ia))}

    def do_C_Finalize(self, step):
        reserved = ctypes.byref(ULONG(0)) if step.get("reserved") else None
        return {"rv": self.call("C_Finalize", reserved)}

    def do_C_GetFunctionList(self, step):
        return {"rv": self.cdll.C_GetFunctionList(None)}

    def do_C_GetInfo(self, step):
        info = Info()
        rv = self.call("C_GetInfo", ctypes.byref(info))
        return info_result(rv, info)

    def list_call(self, name, head, step):
        """The length protocol: "count" None asks the size (NULL list),
        else a list of that many entries is given."""
        count = ULONG(step.get("count") or 0)
        out = (ULONG * max(count.value, 1))()
        target = None if step.get("count") is None else out
        rv = self.call(name, *head, target, ctypes.byref(count))
        got = list(out[:count.value]) if target is not None and rv == 0 \
            else None
        return {"rv": rv, "count": count.value, "list": got}

    def do_C_GetSlotList(self, step):
        present = ctypes.c_ubyte(1 if step.get("present") else 0)
        return self.list_call("C_GetSlotList", [present], step)

    def do_C_GetMechanismList(self, step):
        return self.list_call("C_GetMechanismList", [self.slot(step)], step)

    def do_C_GetSlotInfo(self, step):
        info = SlotInfo()
        rv = self.call("C_GetSlotInfo", self.slot(step), ctypes.byref(info))
        return info_result(rv, info)

    def do_C_GetTokenInfo(self, step):
        info = TokenInfo()
        rv = self.call("C_GetTokenInfo", self.slot(step), ctypes.byref(info))
        return info_result(rv, info)

    def do_C_GetMechanismInfo(self, step):
        info = LowLevel.CK_MECHANISM_INFO()
        rv = self.ll.C_GetMechanismInfo(self.slot(step),
                                        code("CKM_", step["mech"]), info)
        return {"rv": rv, "min": info.ulMinKeySize, "max": info.ulMaxKeySize,
                "flags": info.flags}

    def do_C_WaitForSlotEvent(self, step):
        slot = ctypes.c_ulong(0)
        return {"rv": self.call("C_WaitForSlotEvent",
                                code("CKF_", step.get("flags", "DONT_BLOCK")),
                                ctypes.byref(slot), None)}

    def do_C_InitToken(self, step):
        label = step.get("label", "").ljust(32)
        return {"rv": self.ll.C_InitToken(self.slot(step),
                                          PyKCS11.ckbytelist(step["pin"]),
                                          label)}

    # -- sessions and users -----------------------------------------------

    def do_C_OpenSession(self, step):
        flags = sum(code("CKF_", f)
                    for f in step.get("flags", ["SERIAL_SESSION"]))
        if step.get("null_handle"):
            return {"rv": self.call("C_OpenSession", self.slot(step), flags,
                                    None, None, None)}
        handle = LowLevel.CK_SESSION_HANDLE()
        rv = self.ll.C_OpenSession(self.slot(step), flags, handle)
        if rv == PyKCS11.CKR_OK:
            self.sessions[step.get("name", "s")] = handle.value()
        return {"rv": rv}

    def do_C_CloseSession(self, step):
        return {"rv": self.ll.C_CloseSession(self.sh(step))}

    def do_C_CloseAllSessions(self, step):
        return {"rv": self.ll.C_CloseAllSessions(self.slot(step))}

    def do_C_GetSessionInfo(self, step):
        info = LowLevel.CK_SESSION_INFO()
        rv = self.ll.C_GetSessionInfo(self.sh(step), info)
        if rv != PyKCS11.CKR_OK:
            return {"rv": rv}
        return {"rv": rv, "state": PyKCS11.CKS.get(info.state, info.state),
                "flags": info.flags, "slot": info.slotID,
                "error": info.ulDeviceError}

    def do_C_Login(self, step):
        user = code("CKU_", step.get("user", "USER"))
        return {"rv": self.ll.C_Login(self.sh(step), user,
                                      PyKCS11.ckbytelist(step["pin"]))}

    def do_C_Logout(self, step):
        return {"rv": self.ll.C_Logout(self.sh(step))}

    def do_C_SetPIN(self, step):
        return {"rv": self.ll.C_SetPIN(self.sh(step),
                                       PyKCS11.ckbytelist(step["old"]),
                                       PyKCS11.ckbytelist(step["new"]))}

    def do_C_InitPIN(self, step):
        return {"rv": self.ll.C_InitPIN(self.sh(step),
                                        PyKCS11.ckbytelist(step["pin"]))}

    # -- objects ----------------------------------------------------------

    def new_object(self, step, rv, handle):
        """Binds step["name"] to a new object's handle (an int)."""
        if rv == PyKCS11.CKR_OK:
            self.objects[step["name"]] = handle
        return {"rv": rv}

    def do_C_CreateObject(self, step):
        handle = LowLevel.CK_OBJECT_HANDLE()
        rv = self.ll.C_CreateObject(self.sh(step),
                                    self.template(step["tmpl"]), handle)
        return self.new_object(step, rv, handle.value())

    def do_C_CopyObject(self, step):
        tmpl, new = self.value_template(step.get("tmpl", [])), ULONG(0)
        rv = self.call("C_CopyObject", self.sid(step), self.oid(step, "obj"),
                       tmpl, len(step.get("tmpl", [])), ctypes.byref(new))
        return self.new_object(step, rv, new.value)

    def do_C_DestroyObject(self, step):
        return {"rv": self.ll.C_DestroyObject(self.sh(step),
                                              self.oh(step, "obj"))}

    def do_C_GetObjectSize(self, step):
        size = ULONG(0)
        rv = self.call("C_GetObjectSize", self.sid(step),
                       self.oid(step, "obj"), ctypes.byref(size))
        return {"rv": rv, "size": size.value}

    def do_C_GetAttributeValue(self, step):
        """Each entry's ulValueLen ("unavailable" for
        CK_UNAVAILABLE_INFORMATION) and its value in hex."""
        spec = step["tmpl"]
        tmpl = self.query_template(spec)
        rv = self.call("C_GetAttributeValue", self.sid(step),
                       self.oid(step, "obj"), tmpl, len(spec))
        out = []
        for i, (_, size) in enumerate(spec):
            n = tmpl[i].ulValueLen
            value = None
            if size is not None and n <= size:
                value = ctypes.string_at(tmpl[i].pValue, n).hex()
            out.append(["unavailable" if n == UNAVAILABLE else n, value])
        return {"rv": rv, "attrs": out}

    def do_C_SetAttributeValue(self, step):
        return {"rv": self.ll.C_SetAttributeValue(
            self.sh(step), self.oh(step, "obj"), self.template(step["tmpl"]))}

    def do_C_FindObjectsInit(self, step):
        return {"rv": self.ll.C_FindObjectsInit(
            self.sh(step), self.template(step.get("tmpl", [])))}

    def do_C_FindObjects(self, step):
        found = LowLevel.ckobjlist(step.get("max", 16))
        rv = self.ll.C_FindObjects(self.sh(step), found)
        if rv != PyKCS11.CKR_OK:
            return {"rv": rv}
        handles = [h.value() for h in found]
        for name, handle in zip(step.get("names", []), handles):
            self.objects[name] = handle
        return {"rv": rv, "count": len(handles)}

    def do_C_FindObjectsFinal(self, step):
        return {"rv": self.ll.C_FindObjectsFinal(self.sh(step))}

    # -- cryptographic operations -----------------------------------------

    def do_init(self, step):
        """Any C_*Init taking a mechanism (and a key, but for digests)."""
        mech = self.mech(step)
        fn = getattr(self.ll, step["fn"])
        if step["fn"] == "C_DigestInit":
            return {"rv": fn(self.sh(step), mech)}
        return {"rv": fn(self.sh(step), mech, self.oh(step))}

    def do_output(self, step):
        """A call with output in a caller's buffer: "out" None passes a
        NULL buffer, else a buffer of that many bytes (default 512)."""
        size = step.get("out", 512)
        length = ULONG(size or 0)
        buf = ctypes.create_string_buffer(size or 1)
        target = None if size is None else buf
        args = [self.sid(step)]
        if not step["fn"].endswith("Final"):
            data = self.data(step)
            args += [data, len(data)]
        rv = self.call(step["fn"], *args, target, ctypes.byref(length))
        res = {"rv": rv, "len": length.value}
        if rv == 0 and target is not None:
            res["out"] = buf.raw[:length.value].hex()
            if "save" in step:
                self.saved[step["save"]] = buf.raw[:length.value]
        return res

    def do_input(self, step):
        """C_DigestUpdate, C_SignUpdate, C_VerifyUpdate."""
        fn = getattr(self.ll, step["fn"])
        return {"rv": fn(self.sh(step), PyKCS11.ckbytelist(self.data(step)))}

    def do_C_Verify(self, step):
        return {"rv": self.ll.C_Verify(
            self.sh(step), PyKCS11.ckbytelist(self.data(step)),
            PyKCS11.ckbytelist(self.data(step, "sig")))}

    def do_C_VerifyFinal(self, step):
        return {"rv": self.ll.C_VerifyFinal(
            self.sh(step), PyKCS11.ckbytelist(self.data(step, "sig")))}

    def do_C_DigestKey(self, step):
        return {"rv": self.ll.C_DigestKey(self.sh(step), self.oh(step))}

    def do_unsupported(self, step):
        """Recover and parallel calls, by their shape."""
        name, h = step["fn"], self.sid(step)
        if name in ("C_GetFunctionStatus", "C_CancelFunction"):
            return {"rv": self.call(name, h)}
        if name.endswith("RecoverInit"):
            mech = Mechanism(code("CKM_", step["mech"]), None, 0)
            return {"rv": self.call(name, h, ctypes.byref(mech),
                                    self.oid(step))}
        data, out, n = b"\0" * 16, ctypes.create_string_buffer(512), ULONG(512)
        return {"rv": self.call(name, h, data, len(data), out,
                                ctypes.byref(n))}

    def do_C_GetOperationState(self, step):
        size = step.get("out")
        length = ULONG(size or 0)
        buf = ctypes.create_string_buffer(size or 1)
        return {"rv": self.call("C_GetOperationState", self.sid(step),
                                None if size is None else buf,
                                ctypes.byref(length))}

    def do_C_SetOperationState(self, step):
        state = self.data(step, "state")
        return {"rv": self.call("C_SetOperationState", self.sid(step),
                                state or None, len(state), 0, 0)}

    # -- keys and random numbers ------------------------------------------

    def do_C_GenerateKey(self, step):
        handle = LowLevel.CK_OBJECT_HANDLE()
        rv = self.ll.C_GenerateKey(self.sh(step), self.mech(step),
                                   self.template(step["tmpl"]), handle)
        return self.new_object(step, rv, handle.value())

    def do_C_GenerateKeyPair(self, step):
        pub, priv = LowLevel.CK_OBJECT_HANDLE(), LowLevel.CK_OBJECT_HANDLE()
        rv = self.ll.C_GenerateKeyPair(
            self.sh(step), self.mech(step),
            self.template(step["pub"]), self.template(step["priv"]), pub,
            priv)
        if rv == PyKCS11.CKR_OK:
            self.objects[step["names"][0]] = pub.value()
            self.objects[step["names"][1]] = priv.value()
        return {"rv": rv}

    def do_C_DeriveKey(self, step):
        handle = LowLevel.CK_OBJECT_HANDLE()
        rv = self.ll.C_DeriveKey(self.sh(step), self.mech(step),
                                 self.oh(step), self.template(step["tmpl"]),
                                 handle)
        return self.new_object(step, rv, handle.value())

    def do_C_WrapKey(self, step):
        wrapped = PyKCS11.ckbytelist(b"\0" * 512)
        return {"rv": self.ll.C_WrapKey(
            self.sh(step), self.mech(step),
            self.oh(step, "wrapping"), self.oh(step), wrapped)}

    def do_C_UnwrapKey(self, step):
        handle = LowLevel.CK_OBJECT_HANDLE()
        rv = self.ll.C_UnwrapKey(
            self.sh(step), self.mech(step), self.oh(step),
            PyKCS11.ckbytelist(self.data(step)), self.template(step["tmpl"]),
            handle)
        return {"rv": rv}

    def do_C_SeedRandom(self, step):
        return {"rv": self.ll.C_SeedRandom(
            self.sh(step), PyKCS11.ckbytelist(self.data(step)))}

    def do_C_GenerateRandom(self, step):
        buf = PyKCS11.ckbytelist(b"\0" * step["len"])
        rv = self.ll.C_GenerateRandom(self.sh(step), buf)
        return {"rv": rv, "out": bytes(buf).hex()}

    # -- processes ---------------------------------------------------------

    def do_fork(self, step):
        """Runs step["steps"] in a forked child; their results come back
        through a pipe.  The child leaves with _exit(): no destructor runs
        there, as after an exec."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                out = json.dumps([self.run(s) for s in step["steps"]])
                os.write(write, out.encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            results = json.loads(pipe.read())
        os.waitpid(pid, 0)
        return {"rv": PyKCS11.CKR_OK, "child": results}

    def run(self, step):
        name = step["fn"]
        handler = getattr(self, "do_" + name, None)
        if handler is None:
            handler = getattr(self, "do_" + KINDS[name])
        self.keep = []
        try:
            res = handler(step)
        except (KeyError, PyKCS11.PyKCS11Error) as e:
            # A name never bound (its making step failed): the test that
            # wrote the step sees this instead of a CK_RV.
            return {"rv": "NO_SUCH_NAME", "error": repr(e)}
        res["rv"] = rv_name(res["rv"])
        return res


# The handler of each call that shares one with others of its shape.
KINDS = {"C_" + name: kind for kind, names in (
    ("init", "EncryptInit DecryptInit DigestInit SignInit VerifyInit"),
    ("output", "Encrypt EncryptUpdate EncryptFinal Decrypt DecryptUpdate "
               "DecryptFinal Digest DigestFinal Sign SignFinal "
               "DigestEncryptUpdate DecryptDigestUpdate SignEncryptUpdate "
               "DecryptVerifyUpdate"),
    ("input", "DigestUpdate SignUpdate VerifyUpdate"),
    ("unsupported", "SignRecoverInit SignRecover VerifyRecoverInit "
                    "VerifyRecover GetFunctionStatus CancelFunction"))
    for name in names.split()}


# -- writing scenarios -------------------------------------------------------
# What test_conformance.py writes its steps with.

EC_P256 = bytes.fromhex("06082a8648ce3d030107")  # CKA_EC_PARAMS, prime256v1


def hx(data):
    """Raw bytes in a template."""
    return {"hex": data.hex()}


def step(fn, **kw):
    """A step: fn is the function's name without "C_" ("fork" stays)."""
    kw["fn"] = "C_" + fn if fn[0].isupper() else fn
    return kw


def case(fn, rv="CKR_OK", **kw):
    """A step and the CK_RV name it must answer."""
    return (step(fn, **kw), rv)


def find(cls, label, name, s="s"):
    """Binds name to the one object of this class and label."""
    return [case("FindObjectsInit", s=s,
                 tmpl=[["CLASS", cls], ["LABEL", label]]),
            case("FindObjects", s=s, names=[name], want={"count": 1}),
            case("FindObjectsFinal", s=s)]


def attrs(obj, tag, *spec, rv="CKR_OK", s="s"):
    """C_GetAttributeValue of (name, buffer size or None) pairs."""
    return case("GetAttributeValue", rv, s=s, obj=obj, tag=tag,
                tmpl=[list(a) for a in spec])


def data_object(label, token=False, private=False, extra=()):
    return [["CLASS", PyKCS11.CKO_DATA], ["TOKEN", token],
            ["PRIVATE", private], ["LABEL", label],
            ["VALUE", hx(b"\x01\x02")]] + list(extra)


def ec_public_template(point, extra=()):
    """A session P-256 public key of an uncompressed point."""
    return [["CLASS", PyKCS11.CKO_PUBLIC_KEY], ["KEY_TYPE", PyKCS11.CKK_EC],
            ["TOKEN", False], ["EC_PARAMS", hx(EC_P256)],
            ["EC_POINT", hx(b"\x04\x41" + point)]] + list(extra)


def session_calls(s, pin):
    """A call of every function that takes a session handle, on session s
    (any arguments but the handle are of the right shape only)."""
    data = [step(fn, s=s, data="00") for fn in (
        "Encrypt", "EncryptUpdate", "Decrypt", "DecryptUpdate", "Digest",
        "DigestUpdate", "Sign", "SignUpdate", "VerifyUpdate", "SignRecover",
        "VerifyRecover", "DigestEncryptUpdate", "DecryptDigestUpdate",
        "SignEncryptUpdate", "DecryptVerifyUpdate", "SeedRandom")]
    inits = [step(fn + "Init", s=s, mech="SHA256", key="bad") for fn in (
        "Encrypt", "Decrypt", "Digest", "Sign", "Verify", "SignRecover",
        "VerifyRecover")]
    return data + inits + [step(fn, s=s, **kw) for fn, kw in (
        ("GetSessionInfo", {}), ("GetOperationState", {}),
        ("SetOperationState", {"state": "00"}), ("Login", {"pin": pin}),
        ("Logout", {}), ("InitPIN", {"pin": pin}),
        ("SetPIN", {"old": pin, "new": pin}),
        ("CreateObject", {"name": "x", "tmpl": data_object("x")}),
        ("CopyObject", {"obj": "bad", "name": "x"}),
        ("DestroyObject", {"obj": "bad"}), ("GetObjectSize", {"obj": "bad"}),
        ("GetAttributeValue", {"obj": "bad", "tmpl": [["CLASS", 8]]}),
        ("SetAttributeValue", {"obj": "bad", "tmpl": [["LABEL", "x"]]}),
        ("FindObjectsInit", {}), ("FindObjects", {}),
        ("FindObjectsFinal", {}), ("EncryptFinal", {}), ("DecryptFinal", {}),
        ("DigestFinal", {}), ("SignFinal", {}), ("DigestKey", {"key": "bad"}),
        ("Verify", {"data": "00", "sig": "00"}),
        ("VerifyFinal", {"sig": "00"}),
        ("GenerateKey", {"mech": "AES_KEY_GEN", "tmpl": [], "name": "x"}),
        ("GenerateKeyPair", {"mech": "EC_KEY_PAIR_GEN", "pub": [],
                             "priv": [], "names": ["x", "y"]}),
        ("WrapKey", {"mech": "AES_KEY_WRAP", "wrapping": "bad",
                     "key": "bad"}),
        ("UnwrapKey", {"mech": "AES_KEY_WRAP", "key": "bad", "data": "00",
                       "tmpl": []}),
        ("DeriveKey", {"mech": "ECDH1_DERIVE", "key": "bad", "tmpl": [],
                       "name": "x"}),
        ("GenerateRandom", {"len": 4}), ("GetFunctionStatus", {}),
        ("CancelFunction", {}), ("CloseSession", {}))]


def main():
    runner = Runner(sys.argv[1])
    results = [runner.run(step) for step in json.loads(sys.argv[2])]
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
