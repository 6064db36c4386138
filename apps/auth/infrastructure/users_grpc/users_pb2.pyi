from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetOrCreateFromOAuthRequest(_message.Message):
    __slots__ = ("provider", "provider_user_id", "email", "nickname", "profile_image_url")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    PROFILE_IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    provider: str
    provider_user_id: str
    email: str
    nickname: str
    profile_image_url: str
    def __init__(self, provider: _Optional[str] = ..., provider_user_id: _Optional[str] = ..., email: _Optional[str] = ..., nickname: _Optional[str] = ..., profile_image_url: _Optional[str] = ...) -> None: ...

class GetOrCreateFromOAuthResponse(_message.Message):
    __slots__ = ("user", "social_account", "is_new_user")
    USER_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    IS_NEW_USER_FIELD_NUMBER: _ClassVar[int]
    user: UserInfo
    social_account: SocialAccountInfo
    is_new_user: bool
    def __init__(self, user: _Optional[_Union[UserInfo, _Mapping]] = ..., social_account: _Optional[_Union[SocialAccountInfo, _Mapping]] = ..., is_new_user: _Optional[bool] = ...) -> None: ...

class GetUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: UserInfo
    def __init__(self, user: _Optional[_Union[UserInfo, _Mapping]] = ...) -> None: ...

class UpdateLoginTimeRequest(_message.Message):
    __slots__ = ("user_id", "provider", "provider_user_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    provider: str
    provider_user_id: str
    def __init__(self, user_id: _Optional[str] = ..., provider: _Optional[str] = ..., provider_user_id: _Optional[str] = ...) -> None: ...

class UpdateLoginTimeResponse(_message.Message):
    __slots__ = ("success",)
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    success: bool
    def __init__(self, success: _Optional[bool] = ...) -> None: ...

class UserInfo(_message.Message):
    __slots__ = ("id", "nickname", "profile_image_url", "phone_number", "created_at", "updated_at", "last_login_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    PROFILE_IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_LOGIN_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    nickname: str
    profile_image_url: str
    phone_number: str
    created_at: str
    updated_at: str
    last_login_at: str
    def __init__(self, id: _Optional[str] = ..., nickname: _Optional[str] = ..., profile_image_url: _Optional[str] = ..., phone_number: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., last_login_at: _Optional[str] = ...) -> None: ...

class SocialAccountInfo(_message.Message):
    __slots__ = ("id", "user_id", "provider", "provider_user_id", "email", "created_at", "last_login_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_LOGIN_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    provider: str
    provider_user_id: str
    email: str
    created_at: str
    last_login_at: str
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., provider: _Optional[str] = ..., provider_user_id: _Optional[str] = ..., email: _Optional[str] = ..., created_at: _Optional[str] = ..., last_login_at: _Optional[str] = ...) -> None: ...
