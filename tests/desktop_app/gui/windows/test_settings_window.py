from PySide6.QtGui import QGuiApplication

from desktop_app.core import secret_store, settings
from desktop_app.core.settings import Settings
from desktop_app.core.texts import Text
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.windows.settings_window import SettingsWindow
from desktop_app.webhooks.listener import ListenerState


def make_window(qtbot, profile, current=None):
    window = SettingsWindow(profile, current or Settings(), WindowState(profile))
    qtbot.addWidget(window)
    return window


def test_save_writes_config_and_emits(qtbot, profile, memory_keyring):
    window = make_window(qtbot, profile)
    window.domain.setText("office.aicall.ru")
    window.extension.setText("705")
    window.port.setValue(9100)
    window.path_prefix.setText("/gravitel")
    window.show_for.setCurrentIndex(window.show_for.findData("all"))
    with qtbot.waitSignal(window.settings_saved) as saved:
        window.save_button.click()
    new = saved.args[0]
    assert (new.pbx.domain, new.pbx.extension, new.listener.port) == ("office.aicall.ru", "705", 9100)
    assert settings.load(profile.config_path) == new
    assert new.popup.show_for == "all"
    assert window.result.text() == "Saved."


def test_invalid_values_are_explained_and_nothing_is_written(qtbot, profile):
    window = make_window(qtbot, profile)
    window.path_prefix.setText("gravitel/")
    with qtbot.assertNotEmitted(window.settings_saved):
        window.save_button.click()
    assert "listener.path_prefix" in window.result.text()
    assert not profile.config_path.exists()


def test_tokens_go_to_the_keyring_and_are_never_shown(qtbot, profile, memory_keyring):
    window = make_window(qtbot, profile)
    assert window.api_token.status.text() == "not set"
    window.api_token.field.setText("api-token-value")
    with qtbot.waitSignal(window.tokens_changed):
        window.api_token.save()
    assert secret_store.get_token(profile, "api") == "api-token-value"
    assert window.api_token.field.text() == ""
    assert window.api_token.status.text() == "stored in the system keyring"
    window.save_button.click()
    assert "api-token-value" not in profile.config_path.read_text()


def test_generated_crm_token_is_stored_and_copied(qtbot, profile, memory_keyring):
    window = make_window(qtbot, profile)
    window.crm_token.generate()
    token = secret_store.get_token(profile, "crm")
    assert token and len(token) >= 32
    assert QGuiApplication.clipboard().text() == token
    assert "copied" in window.crm_token.status.text()


def test_keyring_failure_is_shown_in_words(qtbot, profile):
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    window = make_window(qtbot, profile)
    assert "GRAVITEL_DESK_API_TOKEN" in window.api_token.status.text()
    window.api_token.field.setText("abc-def-123")
    window.api_token.save()
    assert "keyring" in window.api_token.status.text().lower()


def test_listener_state_is_shown(qtbot, profile):
    window = make_window(qtbot, profile)
    window.show_listener_state(ListenerState(running=True, url="http://127.0.0.1:8765/gravitel",
                                             last_webhook_at=1_700_000_000, webhooks_received=5, errors=2))
    assert window.address.text() == "http://127.0.0.1:8765/gravitel"
    assert "5 received, 2 refused" in window.listener_state.text()
    window.show_listener_state(ListenerState(running=False, error=Text("listener", "No CRM token is set")))
    assert window.listener_state.text() == "No CRM token is set"


def test_geometry_is_remembered(qtbot, profile):
    window = make_window(qtbot, profile)
    window.resize(700, 500)
    window.show()
    window.close()
    again = make_window(qtbot, profile)
    assert (again.width(), again.height()) == (700, 500)
