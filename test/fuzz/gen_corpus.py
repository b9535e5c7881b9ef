#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpora of the PKCS#11, store and CLI targets
(corpus/template, mech, store, cli), in the encodings their sources
describe (fuzz_tmpl.h for templates).  The indexes below are those of the
tables in fuzz_tmpl.c; keep them in step.

    /usr/bin/python3 test/fuzz/gen_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# fuzz_attr_types indexes.
T = dict(CLASS=0, TOKEN=1, PRIVATE=2, MODIFIABLE=3, COPYABLE=4,
         DESTROYABLE=5, LABEL=6, APPLICATION=7, OBJECT_ID=8, VALUE=9,
         CERTIFICATE_TYPE=10, TRUSTED=11, CHECK_VALUE=13, START_DATE=14,
         END_DATE=15, SUBJECT=16, ID=17, ISSUER=18, SERIAL_NUMBER=19,
         URL=20, KEY_TYPE=24, DERIVE=25, LOCAL=26, ALLOWED_MECHANISMS=28,
         ENCRYPT=29, VERIFY=30, WRAP=32, PUBLIC_KEY_INFO=33, MODULUS=34,
         MODULUS_BITS=35, PUBLIC_EXPONENT=36, EC_PARAMS=37, EC_POINT=38,
         SENSITIVE=39, DECRYPT=40, SIGN=41, UNWRAP=43, EXTRACTABLE=44,
         WRAP_WITH_TRUSTED=47, ALWAYS_AUTHENTICATE=48,
         PRIVATE_EXPONENT=49, PRIME_1=50, PRIME_2=51, EXPONENT_1=52,
         EXPONENT_2=53, COEFFICIENT=54, VALUE_LEN=55, WRAP_TEMPLATE=60)
# ulong_consts indexes.
C = dict(DATA=0, CERTIFICATE=1, PUBLIC_KEY=2, PRIVATE_KEY=3, SECRET_KEY=4,
         RSA=10, EC=13, GENERIC_SECRET=14, AES=15, X_509=18, S16=24, S24=26,
         S32=28, S2048=38, S3072=39, RSA_PKCS=47, SHA256_RSA_PKCS=52,
         ECDSA=55, ECDSA_SHA256=56, AES_CBC=60, SHA256_HMAC=67, S128=33,
         SHA_1=70, SHA224=71, SHA256=72, SHA384=73, SHA512=74, MGF1_SHA1=76,
         MGF1_SHA256=78, MGF1_SHA512=80, KDF_NULL=81, KDF_SHA1=82,
         KDF_SHA256=84, KDF_SHA512=86, DATA_SPECIFIED=87)
# canned value indexes.
V = dict(MODULUS=0, EXPONENT=1, PRIVATE_EXPONENT=2, PRIME_1=3, PRIME_2=4,
         EXPONENT_1=5, EXPONENT_2=6, COEFFICIENT=7, RSA_SPKI=8, P256=9,
         P384=10, P521=11, K256=12, P256_NAME=13, P256_POINT_DER=14,
         P256_POINT=15, P256_SCALAR=16, P384_POINT_DER=17, P384_SCALAR=18,
         CERT=19, AES128=20, AES256=21, DATE=22)


def boolean(t, v=1):
    return bytes([T[t], 0, v])


def small(t, v):
    return bytes([T[t], 1, v])


def ulong(t, v):
    return bytes([T[t], 2]) + struct.pack("<Q", v)


def const(t, c):
    return bytes([T[t], 3, C[c]])


def raw(t, data):
    return bytes([T[t], 4, len(data)]) + data


def null(t, length):
    return bytes([T[t], 6, length])


def canned(t, v):
    return bytes([T[t], 7, V[v]])


def date(t, text):
    return bytes([T[t], 8]) + text


def mechs(t, names):
    return bytes([T[t], 9, len(names)] + [C[n] for n in names])


def tmpl(*entries):
    return len(entries), b"".join(entries)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# fuzz_template: OP FLAGS COUNT [COUNT2] TEMPLATE [TEMPLATE2].
OP_CREATE, OP_PAIR, OP_KEY, OP_SET, OP_COPY = range(5)
FIXTURES = ["data", "cert", "rsa-pub", "ec-pub", "ec-priv", "aes", "hmac",
            "rsa-priv"]


def one_template(op, flags, t):
    return bytes([op, flags, t[0]]) + t[1]


def pair(flags, pub, priv):
    return bytes([OP_PAIR, flags, pub[0], priv[0]]) + pub[1] + priv[1]


def template_corpus():
    creates = {
        "create-data": tmpl(const("CLASS", "DATA"), raw("LABEL", b"seed"),
                            raw("APPLICATION", b"app"),
                            raw("VALUE", b"hello")),
        "create-cert": tmpl(const("CLASS", "CERTIFICATE"),
                            const("CERTIFICATE_TYPE", "X_509"),
                            canned("VALUE", "CERT"), raw("LABEL", b"c"),
                            boolean("TOKEN")),
        "create-rsa-pub": tmpl(const("CLASS", "PUBLIC_KEY"),
                               const("KEY_TYPE", "RSA"),
                               canned("MODULUS", "MODULUS"),
                               canned("PUBLIC_EXPONENT", "EXPONENT"),
                               boolean("TOKEN")),
        "create-ec-pub": tmpl(const("CLASS", "PUBLIC_KEY"),
                              const("KEY_TYPE", "EC"),
                              canned("EC_PARAMS", "P256"),
                              canned("EC_POINT", "P256_POINT_DER")),
        "create-ec-priv": tmpl(const("CLASS", "PRIVATE_KEY"),
                               const("KEY_TYPE", "EC"),
                               canned("EC_PARAMS", "P256"),
                               canned("VALUE", "P256_SCALAR"),
                               boolean("DERIVE")),
        "create-rsa-priv": tmpl(const("CLASS", "PRIVATE_KEY"),
                                const("KEY_TYPE", "RSA"),
                                canned("MODULUS", "MODULUS"),
                                canned("PUBLIC_EXPONENT", "EXPONENT"),
                                canned("PRIVATE_EXPONENT",
                                       "PRIVATE_EXPONENT"),
                                canned("PRIME_1", "PRIME_1"),
                                canned("PRIME_2", "PRIME_2"),
                                canned("EXPONENT_1", "EXPONENT_1"),
                                canned("EXPONENT_2", "EXPONENT_2"),
                                canned("COEFFICIENT", "COEFFICIENT")),
        "create-aes": tmpl(const("CLASS", "SECRET_KEY"),
                           const("KEY_TYPE", "AES"),
                           canned("VALUE", "AES256"), boolean("TOKEN")),
        "create-hmac": tmpl(const("CLASS", "SECRET_KEY"),
                            const("KEY_TYPE", "GENERIC_SECRET"),
                            canned("VALUE", "AES128"),
                            mechs("ALLOWED_MECHANISMS", ["SHA256_HMAC"])),
        "create-bogus-lengths": tmpl(boolean("CLASS", 2),
                                     small("KEY_TYPE", 3),
                                     ulong("TOKEN", 1), null("LABEL", 4),
                                     date("START_DATE", b"2030x101")),
    }
    for name, t in creates.items():
        write("template", name, one_template(OP_CREATE, 0, t))
    write("template", "pair-ec", pair(
        1, tmpl(canned("EC_PARAMS", "P256"), raw("LABEL", b"ec")),
        tmpl(boolean("SIGN"), boolean("DERIVE"), boolean("TOKEN"))))
    write("template", "pair-ec-name", pair(
        2, tmpl(canned("EC_PARAMS", "P256_NAME"), boolean("VERIFY")),
        tmpl(raw("ID", b"\x01\x02"), boolean("ALWAYS_AUTHENTICATE"))))
    write("template", "pair-rsa", pair(
        0, tmpl(const("MODULUS_BITS", "S2048"),
                canned("PUBLIC_EXPONENT", "EXPONENT")),
        tmpl(boolean("SIGN"), boolean("DECRYPT"), boolean("SENSITIVE"))))
    write("template", "key-aes", one_template(OP_KEY, 0, tmpl(
        const("VALUE_LEN", "S32"), raw("LABEL", b"aes"), boolean("TOKEN"),
        boolean("ENCRYPT"))))
    write("template", "key-hmac", one_template(OP_KEY, 1, tmpl(
        small("VALUE_LEN", 20), boolean("SIGN"))))
    for i, fixture in enumerate(FIXTURES):
        write("template", "set-" + fixture, one_template(OP_SET, i << 2, tmpl(
            raw("LABEL", b"relabelled"), raw("ID", b"\x42"),
            date("END_DATE", b"20310101"))))
        write("template", "copy-" + fixture,
              one_template(OP_COPY, (i << 2), tmpl(
                  boolean("TOKEN"), boolean("MODIFIABLE", 0),
                  raw("LABEL", b"copy"))))
    write("template", "set-one-way", one_template(OP_SET, 4 << 2 | 0x40, tmpl(
        boolean("EXTRACTABLE", 0), boolean("SENSITIVE"),
        boolean("COPYABLE", 0), boolean("DESTROYABLE", 1))))


# fuzz_mech: OP MECH KEY PARAM [COUNT TEMPLATE] DATA_LEN DATA OTHER.
(M_SIGN, M_VERIFY, M_ENCRYPT, M_DECRYPT, M_SIGN_PARTS, M_CRYPT_PARTS,
 M_DERIVE, M_WRAP, M_DIGEST) = range(9)
MECH = dict(RSA_PKCS=0x1, RSA_X_509=0x3, OAEP=0x9, PSS=0xd,
            SHA256_RSA_PKCS=0x40, SHA256_RSA_PKCS_PSS=0x43,
            SHA512_RSA_PKCS_PSS=0x45, ECDSA=0x1041, ECDSA_SHA256=0x1044,
            ECDSA_SHA384=0x1045, ECDH1_DERIVE=0x1050, AES_ECB=0x1081,
            AES_CBC=0x1082, AES_CBC_PAD=0x1085, AES_CTR=0x1086,
            AES_GCM=0x1087, AES_CFB128=0x2107, SHA_1=0x220, SHA256=0x250,
            SHA256_HMAC=0x251, SHA_1_HMAC=0x221, SHA512=0x270)


def field(name):
    """A CK_ULONG parameter field from the constant table."""
    return bytes([C[name]])


def small_field(v):
    return bytes([0xfe, v])


def buf(data):
    return bytes([len(data)]) + data


OWN_POINT = b"\xfe"
NO_PARAM = b"\x00"


def pss(hash_name, mgf, salt):
    return b"\x03" + field(hash_name) + field(mgf) + small_field(salt)


def oaep(hash_name, mgf, label):
    return (b"\x04" + field(hash_name) + field(mgf) +
            field("DATA_SPECIFIED") + buf(label))


def ecdh(kdf, shared, public=OWN_POINT):
    return b"\x05" + field(kdf) + buf(shared) + public


def ctr(bits, block):
    return b"\x06" + small_field(bits) + block


def gcm(iv, aad, tag_bits):
    return b"\x07" + buf(iv) + small_field(len(iv) * 8) + buf(aad) + \
        small_field(tag_bits)


def raw_param(data):
    return b"\x02" + buf(data)


def mech_input(op, mech, param=NO_PARAM, data=b"", other=b"", key=0,
               template=b"", count=0):
    out = bytes([op, 0xff]) + struct.pack("<I", MECH[mech]) + bytes([key])
    out += param
    if op == M_DERIVE:
        out += bytes([count]) + template
    return out + bytes([len(data)]) + data + other


def mech_corpus():
    d32 = bytes(range(32))
    iv = bytes(range(16))
    seeds = {
        "sign-rsa-pkcs": mech_input(M_SIGN, "RSA_PKCS", data=b"hello"),
        "sign-sha256-rsa": mech_input(M_SIGN, "SHA256_RSA_PKCS",
                                      data=b"hello"),
        "sign-rsa-x509": mech_input(M_SIGN, "RSA_X_509", data=d32),
        "sign-pss": mech_input(M_SIGN, "PSS",
                               pss("SHA256", "MGF1_SHA256", 32), d32),
        "sign-sha256-pss": mech_input(M_SIGN, "SHA256_RSA_PKCS_PSS",
                                      pss("SHA256", "MGF1_SHA1", 20),
                                      b"data"),
        "sign-parts-sha512-pss": mech_input(
            M_SIGN_PARTS, "SHA512_RSA_PKCS_PSS",
            pss("SHA512", "MGF1_SHA512", 64), b"two parts"),
        "sign-ecdsa": mech_input(M_SIGN, "ECDSA", data=d32),
        "sign-ecdsa-sha384": mech_input(M_SIGN, "ECDSA_SHA384",
                                        data=b"message"),
        "sign-parts-ecdsa": mech_input(M_SIGN_PARTS, "ECDSA_SHA256",
                                       data=b"message"),
        "sign-hmac": mech_input(M_SIGN, "SHA256_HMAC", data=b"mac me"),
        "sign-parts-hmac": mech_input(M_SIGN_PARTS, "SHA_1_HMAC",
                                      data=b"mac me"),
        "verify-ecdsa": mech_input(M_VERIFY, "ECDSA_SHA256", data=b"m",
                                   other=bytes(64)),
        "verify-pss": mech_input(M_VERIFY, "PSS",
                                 pss("SHA256", "MGF1_SHA256", 32), d32,
                                 bytes(256)),
        "encrypt-rsa-pkcs": mech_input(M_ENCRYPT, "RSA_PKCS", data=b"hi"),
        "encrypt-rsa-x509": mech_input(M_ENCRYPT, "RSA_X_509", data=d32),
        "encrypt-oaep": mech_input(M_ENCRYPT, "OAEP",
                                   oaep("SHA_1", "MGF1_SHA1", b""), b"hi"),
        "encrypt-oaep-label": mech_input(
            M_ENCRYPT, "OAEP", oaep("SHA256", "MGF1_SHA256", b"label"),
            b"secret"),
        "encrypt-aes-ecb": mech_input(M_ENCRYPT, "AES_ECB", data=d32),
        "encrypt-aes-cbc": mech_input(M_ENCRYPT, "AES_CBC", raw_param(iv),
                                      d32),
        "encrypt-aes-cbc-pad": mech_input(M_ENCRYPT, "AES_CBC_PAD",
                                          raw_param(iv), b"odd length"),
        "encrypt-aes-ctr": mech_input(M_ENCRYPT, "AES_CTR",
                                      ctr(128, iv), b"counter mode"),
        "encrypt-aes-ctr-wrap": mech_input(
            M_ENCRYPT, "AES_CTR", ctr(8, bytes(15) + b"\xff"), d32),
        "encrypt-aes-cfb": mech_input(M_ENCRYPT, "AES_CFB128",
                                      raw_param(iv), b"cfb", key=1),
        "encrypt-aes-gcm": mech_input(M_ENCRYPT, "AES_GCM",
                                      gcm(bytes(12), b"aad", 128), b"gcm"),
        "crypt-parts-cbc-pad": mech_input(M_CRYPT_PARTS, "AES_CBC_PAD",
                                          raw_param(iv), d32 + b"x"),
        "crypt-parts-ctr": mech_input(M_CRYPT_PARTS, "AES_CTR",
                                      ctr(64, iv), b"two parts"),
        "decrypt-rsa": mech_input(M_DECRYPT, "RSA_PKCS", other=bytes(256)),
        "decrypt-oaep": mech_input(M_DECRYPT, "OAEP",
                                   oaep("SHA256", "MGF1_SHA256", b"l"),
                                   other=bytes(255) + b"\x01"),
        "decrypt-aes-cbc-pad": mech_input(M_DECRYPT, "AES_CBC_PAD",
                                          raw_param(iv), other=d32),
        "derive-ecdh-null": mech_input(M_DERIVE, "ECDH1_DERIVE",
                                       ecdh("KDF_NULL", b"")),
        "derive-ecdh-sha256": mech_input(
            M_DERIVE, "ECDH1_DERIVE", ecdh("KDF_SHA256", b"shared"),
            template=const("KEY_TYPE", "AES") + const("VALUE_LEN", "S32"),
            count=2),
        "derive-ecdh-extractable": mech_input(
            M_DERIVE, "ECDH1_DERIVE", ecdh("KDF_SHA1", b"", b"\xfc"),
            template=(const("CLASS", "SECRET_KEY") +
                      boolean("EXTRACTABLE") + boolean("SENSITIVE", 0) +
                      small("VALUE_LEN", 20)), count=4),
        "derive-ecdh-p384": mech_input(M_DERIVE, "ECDH1_DERIVE",
                                       ecdh("KDF_NULL", b"", b"\xfd")),
        "wrap-rsa": mech_input(M_WRAP, "RSA_PKCS", data=b"\x04"),
        "digest-sha256": mech_input(M_DIGEST, "SHA256", data=b"digest"),
        "digest-sha1": mech_input(M_DIGEST, "SHA_1", data=b"digest"),
    }
    for name, data in seeds.items():
        write("mech", name, data)


# fuzz_cli: argv after "tpmcard", NUL-separated.  The scratch store has
# token "fuzz" with keys "ec", "rsa" (id 0102), "imported" and
# certificate "cert" (id 0102); files pin, so-pin, new-pin, ec.der,
# rsa.der, cert.der and junk are in the working directory.
CLI = {
    "help": ["--help"],
    "no-command": [],
    "init": ["init"],
    "init-persist": ["init", "--persist-srk"],
    "token-list": ["token", "list"],
    "token-add": ["token", "add", "t2"],
    "token-add-files": ["token", "add", "t3", "--min-pin", "6",
                        "--user-pin-file", "pin", "--so-pin-file", "so-pin"],
    "token-remove": ["token", "remove", "fuzz"],
    "key-list": ["key", "list", "--token", "fuzz"],
    "key-generate": ["key", "generate", "--token", "fuzz", "--type",
                     "ecc-p256", "--label", "new"],
    "key-generate-id": ["key", "generate", "--token", "fuzz", "--type",
                        "ecc-p384", "--label", "n2", "--id", "a1b2",
                        "--user-pin-file", "pin"],
    "key-generate-rsa": ["key", "generate", "--token", "fuzz", "--type",
                         "rsa2048", "--label", "r2"],
    "key-remove": ["key", "remove", "--token", "fuzz", "--label", "ec"],
    "key-import-ec": ["key", "import", "--token", "fuzz", "--label", "i2",
                      "ec.der"],
    "key-import-rsa": ["key", "import", "--token", "fuzz", "--label", "i3",
                       "--id", "ff", "--user-pin-file", "pin", "rsa.der"],
    "key-import-junk": ["key", "import", "--token", "fuzz", "--label", "i4",
                        "junk"],
    "cert-add": ["cert", "add", "--token", "fuzz", "--label", "c2", "--id",
                 "aa", "cert.der"],
    "cert-add-match": ["cert", "add", "--token", "fuzz", "--label", "c3",
                       "cert.der"],
    "object-list": ["object", "list", "--token", "fuzz"],
    "object-list-all": ["object", "list", "--token", "fuzz", "--all"],
    "object-remove-label": ["object", "remove", "--token", "fuzz",
                            "--label", "cert", "--class", "cert"],
    "object-remove-id": ["object", "remove", "--token", "fuzz", "--id",
                         "0102"],
    "object-set-label": ["object", "set-label", "--token", "fuzz",
                         "--label", "ec", "--new-label", "ec2"],
    "pin-change": ["pin", "change", "--token", "fuzz"],
    "pin-change-so": ["pin", "change", "--token", "fuzz", "--so"],
    "pin-change-files": ["pin", "change", "--token", "fuzz", "--pin-file",
                         "pin", "--new-pin-file", "new-pin"],
    "store-init": ["--store", "other.sqlite3", "init"],
    "store-list": ["--store", "sub/dir/s.sqlite3", "token", "list"],
    "key-help": ["key", "--help"],
    "object-help": ["object", "remove", "-h"],
    "bad-option": ["key", "list", "--token"],
}


def cli_corpus():
    for name, args in CLI.items():
        write("cli", name, b"\0".join(a.encode() for a in args))


# fuzz_store: CONFIG then edits (KIND ...).  Object rows, in order: RSA
# public and private key, EC public and private key, AES key, HMAC key,
# certificate, data object.  CONFIG 0x7f: every operation, logged in.
ALL = 0x7f
TOKEN_COL = dict(label=0, serial=1, min_pin_len=2, srk_name=3, user_salt=4,
                 user_pub=5, user_priv=6, so_salt=7, so_pub=8, so_priv=9,
                 tpm_vendor=10, tpm_firmware=11, tpm_revision=12)
OBJECT_COL = dict(tpm_pub=0, tpm_priv=1, auth=2, attrs=3, token_id=4)
ROW = dict(rsa_pub=0, rsa_priv=1, ec_pub=2, ec_priv=3, aes=4, hmac=5,
           cert=6, data=7)


def sql_blob(data):
    return bytes([0, len(data)]) + data


def sql_text(data):
    return bytes([1, len(data)]) + data


def sql_int(v):
    return bytes([2]) + struct.pack("<q", v)


def token_set(column, value):
    return bytes([0, 0x80 | TOKEN_COL[column], 0]) + value


def object_set(row, column, value):
    return bytes([1, OBJECT_COL[column], ROW[row]]) + value


def patch(row, column, offset, data):
    return bytes([2, OBJECT_COL[column], ROW[row]]) + \
        struct.pack("<H", offset) + bytes([len(data)]) + data


def token_patch(column, offset, data):
    return bytes([2, 0x80 | TOKEN_COL[column], 0]) + \
        struct.pack("<H", offset) + bytes([len(data)]) + data


def truncate(row, column, keep):
    return bytes([3, OBJECT_COL[column], ROW[row]]) + struct.pack("<H", keep)


def token_truncate(column, keep):
    return bytes([3, 0x80 | TOKEN_COL[column], 0]) + struct.pack("<H", keep)


def attribute(row, entry, remove=False):
    return bytes([4, ROW[row], 0x80 if remove else 0]) + entry


def store_corpus():
    seeds = {
        "clean": [],
        "long-label": [token_set("label", sql_text(b"L" * 80))],
        "label-nul": [token_set("label", sql_text(b"a\0b"))],
        "long-serial-vendor": [token_set("serial", sql_text(b"9" * 40)),
                               token_set("tpm_vendor", sql_blob(b"V" * 60))],
        "min-pin-huge": [token_set("min_pin_len", sql_int(-1))],
        "revision-firmware": [token_set("tpm_revision", sql_int(1 << 40)),
                              token_set("tpm_firmware", sql_int(-7))],
        "srk-name-empty": [token_set("srk_name", sql_blob(b""))],
        "salt-long": [token_set("user_salt", sql_blob(bytes(200)))],
        "seal-truncated": [token_truncate("user_priv", 20)],
        "seal-patched": [token_patch("user_pub", 4, b"\xff\xff")],
        "seal-text": [token_set("user_pub", sql_text(b"not a blob"))],
        "spki-junk": [attribute("rsa_pub", raw("PUBLIC_KEY_INFO", b"\x30\x03"))],
        "ec-params-p384": [attribute("ec_priv", canned("EC_PARAMS", "P384"))],
        "ec-point-junk": [attribute("ec_pub", raw("EC_POINT", b"\x04\x01"))],
        "class-short": [attribute("rsa_priv", boolean("CLASS", 3))],
        "key-type-swap": [attribute("rsa_priv", const("KEY_TYPE", "EC")),
                          attribute("ec_priv", const("KEY_TYPE", "RSA"))],
        "modulus-short": [attribute("rsa_pub", raw("MODULUS", b"\x01"))],
        "mechanisms-odd": [attribute("aes", raw("ALLOWED_MECHANISMS",
                                                b"\x01\x02\x03"))],
        "value-len-huge": [attribute("hmac", ulong("VALUE_LEN", 1 << 62))],
        "cert-value-junk": [attribute("cert", raw("VALUE", b"\x30\x80"))],
        "no-class": [attribute("data", const("CLASS", "DATA"), True)],
        "auth-truncated": [truncate("ec_priv", "auth", 10)],
        "auth-patched": [patch("rsa_priv", "auth", 0, b"\x00")],
        "priv-patched": [patch("aes", "tpm_priv", 40, b"\x13\x37")],
        "pub-truncated": [truncate("hmac", "tpm_pub", 8)],
        "object-copied": [bytes([5, ROW["ec_priv"]])],
        "object-deleted": [bytes([6, ROW["rsa_pub"]])],
        "object-other-token": [object_set("ec_pub", "token_id", sql_int(9))],
        "schema-old": [bytes([7, 1])],
        "second-token": [bytes([8])],
    }
    for name, edits in seeds.items():
        write("store", name, bytes([ALL]) + b"".join(edits))
    write("store", "clean-no-login", bytes([0x80 | ALL]))


if __name__ == "__main__":
    template_corpus()
    mech_corpus()
    cli_corpus()
    store_corpus()
