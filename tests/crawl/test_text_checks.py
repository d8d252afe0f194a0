"""The untranslated-text check of the crawl: what it flags on a Chinese page and what it leaves."""

import pytest

from tests.crawl.crawler import untranslated, visible_texts


def _page(body: str) -> str:
    return f'<!doctype html><html lang="zh-hans"><head><title>积分超市 · 邻里</title>' \
           f'<script>var a = "Not text";</script><style>.x{{}}</style></head><body>{body}</body></html>'


def test_visible_text_includes_what_a_person_sees_or_hears_and_nothing_else():
    html = _page('<p>你好 <b>世界</b></p><input placeholder="请输入手机号" type="text">'
                 '<input type="hidden" value="secret_code"><span aria-hidden="true">icon_x</span>'
                 '<a href="/x" aria-label="返回首页" title="首页">↩</a><img alt="门牌二维码" src="/q.png">')
    assert visible_texts(html) == ["积分超市 · 邻里", "你好", "世界", "请输入手机号", "首页", "返回首页",
                                   "↩", "门牌二维码"]


@pytest.mark.parametrize("text", [
    "Mark all as read",  # an English msgid shown as is
    "Save",
    "accounts.user",  # a model label
    "activity_attendance",  # a rule code
    "lunch",  # a state or kind code
    "已送达 lunch 两份",
    "请 check the correction 后提交",
])
def test_english_wording_and_internal_codes_are_flagged(text):
    assert untranslated(_page(f"<p>{text}</p>")) == [text]


@pytest.mark.parametrize("text", [
    "取餐码 K7M2Q9XA", "取餐码 KMNPQRST", "志愿者编号 V20260001", "扫描门牌 QR 码", "下载 PDF",
    "导出 Excel", "JPEG、PNG 或 WebP 格式，不超过 5 MB。", "距离 1.2 km", "如 zs、zhangsan、5678",
    "13900000015", "2026-12-01 08:00", "张三", "×2",
])
def test_codes_units_formats_and_numbers_are_not_flagged(text):
    assert untranslated(_page(f"<p>{text}</p>")) == []
