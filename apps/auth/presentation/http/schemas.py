"""Response shapes shared by more than one router."""

from __future__ import annotations

from pydantic import BaseModel, Field

from apps.auth.domain.device import Device


class DeviceView(BaseModel):
    label: str = Field(
        description='English, neutral: "Chrome · Android", "KakaoTalk in-app browser"'
    )
    browser: str | None
    os: str | None
    in_app: str | None = Field(description='the app whose browser it is: "KakaoTalk", "NAVER"')

    @classmethod
    def of(cls, device: Device) -> DeviceView:
        return cls(label=device.label, browser=device.browser, os=device.os, in_app=device.in_app)
