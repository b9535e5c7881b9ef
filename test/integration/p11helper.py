"""Runs one PKCS#11 scenario through PyKCS11 in its own process and prints
JSON, so that every test loads the module fresh (as ssh does) and a crash
in the module cannot take pytest down with it.

usage: p11helper.py MODULE ACTION JSON-PARAMS
"""
import json
import sys
import time

import PyKCS11

MECHS = {
    "RSA_PKCS": PyKCS11.CKM_RSA_PKCS,
    "SHA1_RSA_PKCS": PyKCS11.CKM_SHA1_RSA_PKCS,
    "SHA256_RSA_PKCS": PyKCS11.CKM_SHA256_RSA_PKCS,
    "SHA384_RSA_PKCS": PyKCS11.CKM_SHA384_RSA_PKCS,
    "SHA512_RSA_PKCS": PyKCS11.CKM_SHA512_RSA_PKCS,
    "ECDSA": PyKCS11.CKM_ECDSA,
    "ECDSA_SHA256": PyKCS11.CKM_ECDSA_SHA256,
    "ECDSA_SHA384": PyKCS11.CKM_ECDSA_SHA384,
}


def rv_name(err):
    return PyKCS11.CKR[err.value] if err.value in PyKCS11.CKR else err.value


def first_slot(lib, label=None):
    """The first initialized token's slot, or the one labelled so."""
    slots = lib.getSlotList(tokenPresent=True)
    for s in slots:
        info = lib.getTokenInfo(s)
        if not info.flags & PyKCS11.CKF_TOKEN_INITIALIZED:
            continue
        if label is None or info.label.strip() == label:
            return s
    raise SystemExit("no initialized token")


def token_flags(lib, slot):
    flags = lib.getTokenInfo(slot).flags
    names = ("CKF_USER_PIN_COUNT_LOW", "CKF_USER_PIN_FINAL_TRY",
             "CKF_USER_PIN_LOCKED", "CKF_WRITE_PROTECTED")
    return [n for n in names if flags & getattr(PyKCS11, n)]


def labels(session, cls=None):
    tmpl = [] if cls is None else [(PyKCS11.CKA_CLASS, cls)]
    out = []
    for obj in session.findObjects(tmpl):
        c, label = session.getAttributeValue(
            obj, [PyKCS11.CKA_CLASS, PyKCS11.CKA_LABEL])
        out.append([PyKCS11.CKO[c], label])
    return sorted(out)


def act_slots(lib, p):
    res = []
    for s in lib.getSlotList(tokenPresent=False):
        info = lib.getTokenInfo(s)
        res.append({"id": s, "label": info.label.strip(),
                    "serial": info.serialNumber.strip(),
                    "initialized":
                        bool(info.flags & PyKCS11.CKF_TOKEN_INITIALIZED),
                    "min_pin": info.ulMinPinLen,
                    "max_pin": info.ulMaxPinLen})
    return {"slots": res}


def act_login(lib, p):
    slot = first_slot(lib, p.get("token"))
    flags = PyKCS11.CKF_SERIAL_SESSION
    if p.get("rw", True):
        flags |= PyKCS11.CKF_RW_SESSION
    session = lib.openSession(slot, flags)
    res = {"before": labels(session)}
    try:
        session.login(p["pin"], user_type=p.get("user", PyKCS11.CKU_USER))
        res["rv"] = "CKR_OK"
        res["after"] = labels(session)
    except PyKCS11.PyKCS11Error as e:
        res["rv"] = rv_name(e)
    res["flags"] = token_flags(lib, slot)
    return res


def act_sign(lib, p):
    slot = first_slot(lib)
    session = lib.openSession(slot)
    session.login(p["pin"])
    key = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                               (PyKCS11.CKA_LABEL, p["label"])])[0]
    pub = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY),
                               (PyKCS11.CKA_LABEL, p["label"])])[0]
    data = bytes.fromhex(p["data"])
    try:
        sig = session.sign(key, data, PyKCS11.Mechanism(MECHS[p["mech"]]))
        res = {"rv": "CKR_OK", "sig": bytes(sig).hex()}
    except PyKCS11.PyKCS11Error as e:
        res = {"rv": rv_name(e)}
    kt = session.getAttributeValue(pub, [PyKCS11.CKA_KEY_TYPE])[0]
    if kt == PyKCS11.CKK_RSA:
        n, e = session.getAttributeValue(
            pub, [PyKCS11.CKA_MODULUS, PyKCS11.CKA_PUBLIC_EXPONENT])
        res.update(type="rsa", n=bytes(n).hex(), e=bytes(e).hex())
    else:
        params, point = session.getAttributeValue(
            pub, [PyKCS11.CKA_EC_PARAMS, PyKCS11.CKA_EC_POINT])
        res.update(type="ec", params=bytes(params).hex(),
                   point=bytes(point).hex())
    session.logout()
    session.closeSession()
    return res


def attribute(session, obj, name):
    """(rv name, hex value or None) of one attribute, as the module says."""
    tmpl = PyKCS11.LowLevel.ckattrlist(1)
    tmpl[0].SetType(getattr(PyKCS11, name))
    rv = session.lib.C_GetAttributeValue(session.session, obj, tmpl)
    if rv == PyKCS11.CKR_OK:
        rv = session.lib.C_GetAttributeValue(session.session, obj, tmpl)
    if rv != PyKCS11.CKR_OK:
        return [PyKCS11.CKR.get(rv, rv), None]
    return ["CKR_OK", bytes(tmpl[0].GetBin()).hex()]


def act_attrs(lib, p):
    """Every named attribute of the key pair with this label."""
    slot = first_slot(lib)
    session = lib.openSession(slot)
    if p.get("pin"):
        session.login(p["pin"])
    res = {}
    for cls in ("CKO_PUBLIC_KEY", "CKO_PRIVATE_KEY"):
        found = session.findObjects([(PyKCS11.CKA_CLASS,
                                      getattr(PyKCS11, cls)),
                                     (PyKCS11.CKA_LABEL, p["label"])])
        if found:
            res[cls] = {name: attribute(session, found[0], name)
                        for name in p["names"]}
    return res


def act_init_pin(lib, p):
    """The SO logs in and sets a new user PIN (C_InitPIN)."""
    slot = first_slot(lib, p.get("token"))
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION |
                              PyKCS11.CKF_RW_SESSION)
    try:
        session.login(p["so"], user_type=PyKCS11.CKU_SO)
        session.initPin(p["new"])
        session.logout()
        res = {"rv": "CKR_OK"}
    except PyKCS11.PyKCS11Error as e:
        res = {"rv": rv_name(e)}
    res["flags"] = token_flags(lib, slot)
    return res


def act_set_pin(lib, p):
    slot = first_slot(lib, p.get("token"))
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION |
                              PyKCS11.CKF_RW_SESSION)
    try:
        session.setPin(p["old"], p["new"])
        return {"rv": "CKR_OK"}
    except PyKCS11.PyKCS11Error as e:
        return {"rv": rv_name(e)}


def act_watch(lib, p):
    """Lists keys, waits for a file to appear, lists again: same process."""
    slot = first_slot(lib)
    session = lib.openSession(slot)
    before = labels(session, PyKCS11.CKO_PUBLIC_KEY)
    print(json.dumps({"ready": True}), flush=True)
    deadline = time.monotonic() + 60
    import os
    while not os.path.exists(p["go"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    after = labels(session, PyKCS11.CKO_PUBLIC_KEY)
    return {"before": before, "after": after}


HASHES = {"SHA1": PyKCS11.CKM_SHA_1, "SHA224": PyKCS11.CKM_SHA224,
          "SHA256": PyKCS11.CKM_SHA256, "SHA384": PyKCS11.CKM_SHA384,
          "SHA512": PyKCS11.CKM_SHA512}
MGFS = {"SHA1": PyKCS11.CKG_MGF1_SHA1, "SHA224": PyKCS11.CKG_MGF1_SHA224,
        "SHA256": PyKCS11.CKG_MGF1_SHA256, "SHA384": PyKCS11.CKG_MGF1_SHA384,
        "SHA512": PyKCS11.CKG_MGF1_SHA512}


def mechanism(op):
    """A PyKCS11 mechanism from an operation's description."""
    name = op["mech"]
    mech = getattr(PyKCS11, "CKM_" + name)
    if "PSS" in name:
        return PyKCS11.RSA_PSS_Mechanism(mech, HASHES[op["hash"]],
                                         MGFS[op["mgf"]], op["salt"])
    if name == "RSA_PKCS_OAEP":
        label = bytes.fromhex(op["label"]) if op.get("label") else None
        return PyKCS11.RSAOAEPMechanism(HASHES[op["hash"]], MGFS[op["mgf"]],
                                        label)
    return PyKCS11.Mechanism(mech)


def run_op(session, op):
    cls = (PyKCS11.CKO_PRIVATE_KEY if op["op"] in ("sign", "decrypt")
           else PyKCS11.CKO_PUBLIC_KEY)
    found = session.findObjects([(PyKCS11.CKA_CLASS, cls),
                                 (PyKCS11.CKA_LABEL, op["key"])])
    if not found:
        return None
    key = found[0]
    data = bytes.fromhex(op["data"])
    mech = mechanism(op)
    if op["op"] == "sign":
        return bytes(session.sign(key, data, mech)).hex()
    if op["op"] == "decrypt":
        return bytes(session.decrypt(key, data, mech)).hex()
    if op["op"] == "encrypt":
        return bytes(session.encrypt(key, data, mech)).hex()
    return session.verify(key, data, bytes.fromhex(op["sig"]), mech)


def act_crypt(lib, p):
    """Runs p["ops"] in one logged-in session; each gives rv and out."""
    session = lib.openSession(first_slot(lib))
    if p.get("pin"):
        session.login(p["pin"])
    results = []
    for op in p["ops"]:
        try:
            out = run_op(session, op)
            results.append({"rv": "CKR_OK" if out is not None
                            else "NO_OBJECT", "out": out})
        except PyKCS11.PyKCS11Error as e:
            results.append({"rv": rv_name(e)})
    session.closeSession()
    return results


KDFS = {"NULL": PyKCS11.CKD_NULL, "SHA256": PyKCS11.CKD_SHA256_KDF}


def act_derive(lib, p):
    """ECDH1_DERIVE with the EC key labelled p["label"]."""
    session = lib.openSession(first_slot(lib), PyKCS11.CKF_RW_SESSION)
    session.login(p["pin"])
    key = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                               (PyKCS11.CKA_LABEL, p["label"])])[0]
    mech = PyKCS11.ECDH1_DERIVE_Mechanism(bytes.fromhex(p["point"]),
                                          KDFS[p["kdf"]],
                                          bytes.fromhex(p["shared"]) or None)
    tmpl = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
            (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_GENERIC_SECRET),
            (PyKCS11.CKA_TOKEN, False),
            (PyKCS11.CKA_SENSITIVE, bool(p.get("sensitive"))),
            (PyKCS11.CKA_EXTRACTABLE, True),
            (PyKCS11.CKA_VALUE_LEN, p["length"])]
    try:
        secret = session.deriveKey(key, tmpl, mech)
        value = session.getAttributeValue(secret, [PyKCS11.CKA_VALUE])[0]
        res = {"rv": "CKR_OK", "value": bytes(value).hex()}
    except PyKCS11.PyKCS11Error as e:
        res = {"rv": rv_name(e)}
    session.closeSession()
    return res


def main():
    module, action, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    result = globals()["act_" + action](lib, params)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
