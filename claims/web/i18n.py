"""UI strings, Vietnamese by default (English with ?lang=en or the `lang` cookie)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "vi": {
        "app_name": "Hồ sơ thanh toán BHYT",
        "login_title": "Đăng nhập",
        "username": "Tên đăng nhập",
        "password": "Mật khẩu",
        "sign_in": "Đăng nhập",
        "sign_out": "Đăng xuất",
        "bad_login": "Sai tên đăng nhập hoặc mật khẩu.",
        "welcome": "Xin chào",
        "role": "Vai trò",
        "facility": "Cơ sở KCB",
        "api_docs": "Tài liệu API",
        "all_facilities": "Tất cả",
    },
    "en": {
        "app_name": "BHYT claims",
        "login_title": "Sign in",
        "username": "Username",
        "password": "Password",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "bad_login": "Wrong username or password.",
        "welcome": "Welcome",
        "role": "Role",
        "facility": "Facility",
        "api_docs": "API documentation",
        "all_facilities": "All",
    },
}


def translator(lang: str) -> dict[str, str]:
    return MESSAGES.get(lang, MESSAGES["vi"])
