"""C_InitToken and C_InitPIN through pkcs11-tool: a blank token made on
the empty slot, its user PIN set by the SO, and a token reset with its SO
PIN."""
import re

from conftest import MODULE, SO_PIN, USER_PIN


def tool(env, *args, check=True):
    return env.run("pkcs11-tool", "--module", MODULE, *args, check=check)


def slots(env):
    return tool(env, "--list-slots").stdout


def init_new(env, label, so_pin=SO_PIN):
    # The empty slot is the last one listed; its id is 0.
    return tool(env, "--init-token", "--slot", "0", "--label", label,
                "--so-pin", so_pin)


def test_init_token_on_the_empty_slot_then_init_pin(env):
    init_new(env, "fresh")
    listing = slots(env)
    assert "fresh" in listing
    assert re.search(r"token label\s+: fresh", listing)
    # No user PIN yet: the token says so, and user login is refused.
    fresh = listing.split("fresh")[1].split("Slot")[0]
    assert "PIN initialized" not in fresh
    out = tool(env, "--token-label", "fresh", "--login", "--pin", USER_PIN,
               "-O", check=False)
    assert out.returncode != 0
    assert "CKR_USER_PIN_NOT_INITIALIZED" in out.stdout + out.stderr
    tool(env, "--token-label", "fresh", "--login", "--login-type", "so",
         "--init-pin", "--so-pin", SO_PIN, "--new-pin", USER_PIN)
    tool(env, "--token-label", "fresh", "--login", "--pin", USER_PIN,
         "--keypairgen", "--key-type", "EC:prime256v1", "--label", "k")
    out = tool(env, "--token-label", "fresh", "--login", "--pin", USER_PIN,
               "-O")
    assert "Private Key Object; EC" in out.stdout


def test_init_pin_needs_the_so(env):
    init_new(env, "fresh")
    out = tool(env, "--token-label", "fresh", "--login", "--login-type",
               "so", "--init-pin", "--so-pin", "87654321", "--new-pin",
               USER_PIN, check=False)
    assert out.returncode != 0
    assert "CKR_PIN_INCORRECT" in out.stdout + out.stderr
    # As the user (or nobody), C_InitPIN is refused.
    out = tool(env, "--token-label", "fresh", "--init-pin", "--new-pin",
               USER_PIN, check=False)
    assert "CKR_USER_NOT_LOGGED_IN" in out.stdout + out.stderr


def test_change_pin_of_user_and_so(env):
    env.add_token("t1")
    tool(env, "--token-label", "t1", "--change-pin", "--pin", USER_PIN,
         "--new-pin", "654321")
    tool(env, "--token-label", "t1", "--login", "--pin", "654321", "-O")
    tool(env, "--token-label", "t1", "--login", "--login-type", "so",
         "--change-pin", "--so-pin", SO_PIN, "--new-pin", "87654321")
    tool(env, "--token-label", "t1", "--login", "--login-type", "so",
         "--so-pin", "87654321", "--init-pin", "--new-pin", "111111")
    tool(env, "--token-label", "t1", "--login", "--pin", "111111", "-O")


def test_reinit_with_the_so_pin_wipes_the_token(env):
    env.add_token("t1")
    env.add_key("t1", "ecc-p256", "ec")
    slot = re.search(r"Slot (\d+) \(0x([0-9a-f]+)\)", slots(env))
    slot_id = str(int(slot.group(2), 16))
    out = tool(env, "--slot", slot_id, "--init-token", "--label", "t2",
               "--so-pin", "00000000", check=False)
    assert out.returncode != 0
    assert "CKR_PIN_INCORRECT" in out.stdout + out.stderr
    tool(env, "--slot", slot_id, "--init-token", "--label", "t2",
         "--so-pin", SO_PIN)
    listing = slots(env)
    assert "t2" in listing and "t1" not in listing
    # The objects are gone and the old user PIN no longer works.
    out = tool(env, "--token-label", "t2", "--login", "--pin", USER_PIN,
               "-O", check=False)
    assert "CKR_USER_PIN_NOT_INITIALIZED" in out.stdout + out.stderr
    tool(env, "--token-label", "t2", "--login", "--login-type", "so",
         "--so-pin", SO_PIN, "--init-pin", "--new-pin", USER_PIN)
    out = tool(env, "--token-label", "t2", "--login", "--pin", USER_PIN,
               "-O")
    assert "Private Key Object" not in out.stdout
