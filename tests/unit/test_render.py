from trainer.questions.render import html_to_text, stem_html


def test_plain_stems_are_escaped_with_their_line_breaks():
    assert stem_html("a<b & c\n第二行") == "a&lt;b &amp; c<br>第二行"


def test_markdown_is_rendered_and_sanitized():
    html = stem_html("**议价**\n\n<script>alert(1)</script>[x](javascript:alert(1))", "markdown")
    assert "<strong>议价</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_imported_html_loses_scripts_handlers_and_styles():
    html = stem_html('<p onclick="x()" style="color:red">请<b>核对</b><script>x()</script>'
                     '<img src=x onerror=y()></p>', "html")
    assert html == "<p>请<b>核对</b></p>"


def test_html_options_become_text():
    assert html_to_text("<b>姓名</b>、电话 &amp; 地址") == "姓名、电话 & 地址"
