"""The phone line: Twilio voice webhooks answered with TwiML (Hungarian first, English second),
keypad and speech, the assistant over Rasa's REST channel, and queueing to agents."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Mount the /voice blueprint; settings and catalogues are checked here, once, and clients made per app."""
    from gateway import settings_of
    from gateway.credentials_client import CredentialsClient
    from ivr import newcode, queueing, views  # noqa: F401  (routes register on the blueprint)
    from ivr.blueprint import PhoneRoom, bp
    from ivr.clients import Assistant
    from ivr.config import IvrConfig
    from ivr.prompts import catalogues
    from ivr.sealing import Sealer
    from kernel.clock import utcnow

    # A broken catalogue or a bad CODE_TTL_DAYS stops the start, not a caller; read again per app.
    catalogues.cache_clear()
    catalogues()
    settings = settings_of(app)
    config = IvrConfig.load(app.config.get("IVR"))
    app.extensions["ivr"] = PhoneRoom(
        config=config,
        assistant=Assistant(settings.rasa_url, config.rasa_timeout, settings.rasa_channel_secret,
                            transport=app.config.get("IVR_RASA_TRANSPORT")),
        credentials=CredentialsClient(settings.credentials_url, settings.credentials_phone_token,
                                      config.backend_timeout, transport=app.config.get("IVR_BACKEND_TRANSPORT")),
        sealer=Sealer(settings.secret_key),
        clock=app.config.get("IVR_CLOCK") or utcnow,
    )
    app.register_blueprint(bp)
