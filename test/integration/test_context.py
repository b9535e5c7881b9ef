"""Keys that ask for the PIN at every use (CKA_ALWAYS_AUTHENTICATE), as a
client sees them: pkcs11-tool logs in with CKU_CONTEXT_SPECIFIC before
each signature."""
import subprocess

from conftest import MODULE, USER_PIN


def tool(env, *args, check=True):
    return env.run("pkcs11-tool", "--module", MODULE, "--token-label", "t1",
                   *args, check=check)


def test_pkcs11_tool_signs_with_an_always_authenticate_key(env, tmp_path):
    env.add_token("t1")
    tool(env, "--login", "--pin", USER_PIN, "--keypairgen", "--key-type",
         "rsa:2048", "--label", "aa", "--id", "0a", "--always-auth")
    data, sig = tmp_path / "data", tmp_path / "sig"
    pub = tmp_path / "pub.der"
    data.write_bytes(b"sign me once, with the PIN again\n")
    out = tool(env, "--login", "--pin", USER_PIN, "--sign", "--id", "0a",
               "-m", "SHA256-RSA-PKCS", "--input-file", str(data),
               "--output-file", str(sig))
    assert out.returncode == 0
    tool(env, "--read-object", "--type", "pubkey", "--id", "0a",
         "--output-file", str(pub))
    subprocess.run(["openssl", "dgst", "-sha256", "-keyform", "DER",
                    "-verify", str(pub), "-signature", str(sig), str(data)],
                   check=True, capture_output=True)
    listing = tool(env, "--login", "--pin", USER_PIN, "-O").stdout
    assert "always authenticate" in listing.lower()
