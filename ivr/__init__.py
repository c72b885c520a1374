"""The phone line: Twilio voice webhooks answered with TwiML (Hungarian first, English second),
keypad and speech, the assistant over Rasa's REST channel, and queueing to agents (issue 4)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Mount the /voice blueprint; settings are validated here, once, and clients made per app."""
    from gateway import settings_of
    from ivr import newcode, queueing, views  # noqa: F401  (routes register on the blueprint)
    from ivr.blueprint import PhoneRoom, bp
    from ivr.clients import Assistant, CredentialsService
    from ivr.config import IvrConfig
    from ivr.prompts import catalogues
    from ivr.sealing import Sealer

    catalogues()  # a broken catalogue stops the start, not a caller
    settings = settings_of(app)
    config = IvrConfig.load(app.config.get("IVR"))
    app.extensions["ivr"] = PhoneRoom(
        config=config,
        assistant=Assistant(settings.rasa_url, config.rasa_timeout, transport=app.config.get("IVR_RASA_TRANSPORT")),
        credentials=CredentialsService(settings.credentials_url, settings.credentials_service_token,
                                       config.backend_timeout, transport=app.config.get("IVR_BACKEND_TRANSPORT")),
        sealer=Sealer(settings.secret_key),
    )
    app.register_blueprint(bp)
