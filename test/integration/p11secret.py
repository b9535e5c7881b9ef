"""Runs one scenario of secret-key operations (AES, HMAC) in one PKCS#11
session of a fresh process and prints JSON: one result per step, each
with the exact CK_RV name.  Multi-part steps go through the low-level
calls one part at a time, with output buffers sized by the caller, so
that what the module returns for each call is what the test sees.

usage: p11secret.py MODULE JSON-STEPS
"""
import json
import struct
import sys

import PyKCS11
from PyKCS11 import LowLevel

MECHS = {name: getattr(PyKCS11, "CKM_" + name) for name in (
    "AES_KEY_GEN", "AES_ECB", "AES_CBC", "AES_CBC_PAD", "AES_CTR",
    "AES_CFB128", "GENERIC_SECRET_KEY_GEN", "SHA_1_HMAC", "SHA224_HMAC",
    "SHA256_HMAC", "SHA384_HMAC", "SHA512_HMAC", "RSA_PKCS")}
KEY_TYPES = {"AES": PyKCS11.CKK_AES, "GENERIC": PyKCS11.CKK_GENERIC_SECRET}
BOOLS = ("TOKEN", "PRIVATE", "SENSITIVE", "EXTRACTABLE", "ENCRYPT",
         "DECRYPT", "SIGN", "VERIFY")


def rv_name(rv):
    return PyKCS11.CKR.get(rv, hex(rv))


def mechanism(step):
    """The mechanism of a step: IV for CBC/CFB, CK_AES_CTR_PARAMS for CTR."""
    mech = MECHS[step["mech"]]
    if "ctr_bits" in step:
        param = struct.pack("@L", step["ctr_bits"]) + \
            bytes.fromhex(step["iv"])
        return PyKCS11.Mechanism(mech, param)
    if "iv" in step:
        return PyKCS11.Mechanism(mech, bytes.fromhex(step["iv"]))
    return PyKCS11.Mechanism(mech, None)


def template(step):
    tmpl = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY)]
    if "type" in step:
        tmpl.append((PyKCS11.CKA_KEY_TYPE, KEY_TYPES[step["type"]]))
    if "value" in step:
        tmpl.append((PyKCS11.CKA_VALUE, bytes.fromhex(step["value"])))
    if "len" in step:
        tmpl.append((PyKCS11.CKA_VALUE_LEN, step["len"]))
    if "label" in step:
        tmpl.append((PyKCS11.CKA_LABEL, step["label"]))
    for name in BOOLS:
        if name.lower() in step:
            tmpl.append((getattr(PyKCS11, "CKA_" + name),
                         bool(step[name.lower()])))
    return tmpl


class Runner:
    def __init__(self, lib):
        self.lib = lib
        slot = [s for s in lib.getSlotList(tokenPresent=True)
                if lib.getTokenInfo(s).flags &
                PyKCS11.CKF_TOKEN_INITIALIZED][0]
        self.session = lib.openSession(
            slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
        self.ll = self.session.lib
        self.h = self.session.session
        self.keys = {}

    def key(self, step):
        return self.keys[step["key"]]

    def do_login(self, step):
        self.session.login(step["pin"])
        return {}

    def do_logout(self, step):
        self.session.logout()
        return {}

    def do_create(self, step):
        self.keys[step["name"]] = self.session.createObject(template(step))
        return {}

    def do_generate(self, step):
        mech = PyKCS11.Mechanism(MECHS[step["mech"]], None)
        self.keys[step["name"]] = self.session.generateKey(template(step),
                                                           mech)
        return {}

    def do_derive(self, step):
        """ECDH1_DERIVE with the EC private key labelled step["base"]."""
        base = self.session.findObjects(
            [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
             (PyKCS11.CKA_LABEL, step["base"])])[0]
        kdf = {"NULL": PyKCS11.CKD_NULL,
               "SHA256": PyKCS11.CKD_SHA256_KDF}[step["kdf"]]
        mech = PyKCS11.ECDH1_DERIVE_Mechanism(
            bytes.fromhex(step["point"]), kdf,
            bytes.fromhex(step.get("shared", "")) or None)
        self.keys[step["name"]] = self.session.deriveKey(base, template(step),
                                                         mech)
        return {}

    def do_find(self, step):
        found = self.session.findObjects(
            [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
             (PyKCS11.CKA_LABEL, step["label"])])
        if found:
            self.keys[step["name"]] = found[0]
        return {"count": len(found)}

    def do_attrs(self, step):
        """Each named attribute: its value (hex for byte strings) or rv."""
        out = {}
        for name in step["names"]:
            attr = getattr(PyKCS11, "CKA_" + name)
            query = LowLevel.ckattrlist(1)
            query[0].SetType(attr)
            rv = self.ll.C_GetAttributeValue(self.h, self.key(step), query)
            if rv != PyKCS11.CKR_OK:
                out[name] = rv_name(rv)
                continue
            out[name] = self.session.getAttributeValue(self.key(step),
                                                       [attr])[0]
            if isinstance(out[name], (tuple, list)):
                out[name] = bytes(out[name]).hex()
        return {"attrs": out}

    def parts(self, step, init, update, final, out_size):
        """Init, then one update per chunk, then final; stops at an error."""
        mech = mechanism(step)  # keeps the parameter alive
        rv = init(self.h, mech.to_native(), self.key(step))
        if rv != PyKCS11.CKR_OK:
            return {"rv": rv_name(rv), "at": "init"}
        data, out, pos = bytes.fromhex(step.get("data", "")), b"", 0
        for size in step["chunks"]:
            buf = PyKCS11.ckbytelist([0] * out_size)
            rv = update(self.h, PyKCS11.ckbytelist(data[pos:pos + size]),
                        buf)
            pos += size
            if rv != PyKCS11.CKR_OK:
                return {"rv": rv_name(rv), "at": "update", "out": out.hex()}
            out += bytes(buf)
        buf = PyKCS11.ckbytelist([0] * out_size)
        rv = final(self.h, buf)
        if rv != PyKCS11.CKR_OK:
            return {"rv": rv_name(rv), "at": "final", "out": out.hex()}
        return {"out": (out + bytes(buf)).hex()}

    def one_part(self, step, init, run, out_size):
        mech = mechanism(step)
        rv = init(self.h, mech.to_native(), self.key(step))
        if rv != PyKCS11.CKR_OK:
            return {"rv": rv_name(rv), "at": "init"}
        buf = PyKCS11.ckbytelist([0] * out_size)
        rv = run(self.h, PyKCS11.ckbytelist(bytes.fromhex(step["data"])),
                 buf)
        if rv != PyKCS11.CKR_OK:
            return {"rv": rv_name(rv), "at": "run"}
        return {"out": bytes(buf).hex()}

    def crypt(self, step, encrypt):
        ll = self.ll
        size = step.get("out_size", len(step.get("data", "")) // 2 + 32)
        if encrypt:
            fns = (ll.C_EncryptInit, ll.C_Encrypt, ll.C_EncryptUpdate,
                   ll.C_EncryptFinal)
        else:
            fns = (ll.C_DecryptInit, ll.C_Decrypt, ll.C_DecryptUpdate,
                   ll.C_DecryptFinal)
        if "chunks" in step:
            return self.parts(step, fns[0], fns[2], fns[3], size)
        return self.one_part(step, fns[0], fns[1], size)

    def do_encrypt(self, step):
        return self.crypt(step, True)

    def do_decrypt(self, step):
        return self.crypt(step, False)

    def do_sign(self, step):
        ll = self.ll
        if "chunks" in step:
            mech = mechanism(step)
            rv = ll.C_SignInit(self.h, mech.to_native(), self.key(step))
            if rv != PyKCS11.CKR_OK:
                return {"rv": rv_name(rv), "at": "init"}
            data, pos = bytes.fromhex(step["data"]), 0
            for size in step["chunks"]:
                rv = ll.C_SignUpdate(self.h,
                                     PyKCS11.ckbytelist(data[pos:pos + size]))
                pos += size
                if rv != PyKCS11.CKR_OK:
                    return {"rv": rv_name(rv), "at": "update"}
            buf = PyKCS11.ckbytelist([0] * step.get("out_size", 64))
            rv = ll.C_SignFinal(self.h, buf)
            if rv != PyKCS11.CKR_OK:
                return {"rv": rv_name(rv), "at": "final"}
            return {"out": bytes(buf).hex()}
        return self.one_part(step, ll.C_SignInit, ll.C_Sign,
                             step.get("out_size", 64))

    def do_verify(self, step):
        ll = self.ll
        sig = PyKCS11.ckbytelist(bytes.fromhex(step["sig"]))
        data = bytes.fromhex(step["data"])
        mech = mechanism(step)
        rv = ll.C_VerifyInit(self.h, mech.to_native(), self.key(step))
        if rv != PyKCS11.CKR_OK:
            return {"rv": rv_name(rv), "at": "init"}
        if "chunks" not in step:
            rv = ll.C_Verify(self.h, PyKCS11.ckbytelist(data), sig)
            return {"rv": rv_name(rv)}
        pos = 0
        for size in step["chunks"]:
            rv = ll.C_VerifyUpdate(self.h,
                                   PyKCS11.ckbytelist(data[pos:pos + size]))
            pos += size
            if rv != PyKCS11.CKR_OK:
                return {"rv": rv_name(rv), "at": "update"}
        return {"rv": rv_name(ll.C_VerifyFinal(self.h, sig))}

    def run(self, step):
        try:
            res = getattr(self, "do_" + step["op"])(step)
        except PyKCS11.PyKCS11Error as e:
            return {"rv": rv_name(e.value)}
        res.setdefault("rv", "CKR_OK")
        return res


def main():
    lib = PyKCS11.PyKCS11Lib()
    lib.load(sys.argv[1])
    runner = Runner(lib)
    print(json.dumps([runner.run(step) for step in json.loads(sys.argv[2])]),
          flush=True)


if __name__ == "__main__":
    main()
