"""Media transports: the call's audio between Asterisk and the agent (slin16, 20 ms frames).

* ``WebSocketMediaSession`` — chan_websocket (Asterisk paces our audio).
* ``AudioSocketServer`` / ``AudioSocketSession`` — AudioSocket over TCP (we pace).

Both implement ``MediaSession``.
"""

from agent.telephony.media.audiosocket import (
    AudioSocketServer,
    AudioSocketSession,
)
from agent.telephony.media.audiosocket_codec import (
    AudioSocketProtocolError,
)
from agent.telephony.media.frames import (
    FRAME_BYTES,
    FRAME_MS,
    FRAME_SAMPLES,
    SAMPLE_RATE,
    SAMPLE_WIDTH,
    AudioFrame,
    DtmfDigit,
    MediaError,
    MediaEvent,
    MediaSession,
    MediaTimeoutError,
)
from agent.telephony.media.pacing import Pacer, pad_to_frames, split_frames
from agent.telephony.media.websocket_media import MediaStart, WebSocketMediaSession

__all__ = [
    "FRAME_BYTES",
    "FRAME_MS",
    "FRAME_SAMPLES",
    "SAMPLE_RATE",
    "SAMPLE_WIDTH",
    "AudioFrame",
    "AudioSocketProtocolError",
    "AudioSocketServer",
    "AudioSocketSession",
    "DtmfDigit",
    "MediaError",
    "MediaEvent",
    "MediaSession",
    "MediaStart",
    "MediaTimeoutError",
    "Pacer",
    "WebSocketMediaSession",
    "pad_to_frames",
    "split_frames",
]
