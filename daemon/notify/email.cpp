// SMTP through libcurl (split from channel.cpp, which keeps the HTTP channels).
#include "notify/email.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <ctime>

#include "notify/template.h"

namespace rota::notify {
namespace {

// SMTP through libcurl: smtp:// with STARTTLS (required unless require_tls
// is false, then opportunistic), smtps:// for port 465; the system's CAs or
// ca_file; multipart/alternative text + HTML, quoted-printable.
class EmailChannel final : public Channel {
 public:
  explicit EmailChannel(const config::Channel& c)
      : name_(c.name),
        smarthost_(c.smarthost),
        from_(c.from),
        user_(c.auth_username),
        password_(c.auth_password.Reveal()),
        require_tls_(c.require_tls),
        hello_(c.hello),
        ca_file_(c.ca_file),
        timeout_(c.timeout),
        subject_(c.subject_template.empty() ? std::string(DefaultEmailSubject())
                                            : c.subject_template),
        text_(c.text_template.empty() ? std::string(DefaultTemplate(c.type)) : c.text_template),
        html_(c.html_template.empty() ? std::string(DefaultEmailHtml()) : c.html_template) {}

  Started Start(const Message& m) override {
    const boost::json::value& data = m.body->data;
    auto subject = Render(subject_, data, Escape::kNone);
    auto text = Render(text_, data, Escape::kNone);
    auto html = Render(html_, data, Escape::kHtml);
    for (const auto* r : {&subject, &text, &html}) {
      if (!*r) {
        return {nullptr, {SendOutcome::kRejected, 1, r->error().message()}};
      }
    }
    if (m.to.find_first_of("\r\n<>") != std::string::npos || m.to.find('@') == std::string::npos) {
      return {nullptr, {SendOutcome::kRejected, 1, "not an email address: " + m.to}};
    }
    return Submission(m, *subject, *text, *html);
  }
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view type() const override { return "email"; }

 private:
  // One SMTP submission: the handle and everything it reads until it ends.
  class EmailAttempt final : public Attempt {
   public:
    EmailAttempt() : curl_(curl_easy_init()) {}
    ~EmailAttempt() override {
      curl_mime_free(mime_);
      curl_slist_free_all(headers_);
      curl_slist_free_all(rcpt_);
      if (curl_ != nullptr) {
        curl_easy_cleanup(curl_);
      }
    }
    EmailAttempt(const EmailAttempt&) = delete;
    EmailAttempt& operator=(const EmailAttempt&) = delete;
    [[nodiscard]] void* easy() const override { return curl_; }

    SendResult Finish(int code) override {
      const auto rc = static_cast<CURLcode>(code);
      long reply = 0;
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply);
      if (rc == CURLE_OK) {
        return {SendOutcome::kDelivered, 1, "SMTP " + std::to_string(reply)};
      }
      std::string detail = error_[0] != '\0' ? std::string(error_.data()) : curl_easy_strerror(rc);
      if (reply > 0) {
        detail = "SMTP " + std::to_string(reply) + ": " + detail;
      }
      // 5yz is the server's final no to this message (e.g. 550 no such
      // mailbox); authentication answers (530, 534, 535, 538) are about our
      // credentials, which a reload may fix, so those are retried.
      const bool auth = reply == 530 || reply == 534 || reply == 535 || reply == 538;
      if (reply >= 500 && reply < 600 && !auth) {
        return {SendOutcome::kRejected, 1, detail};
      }
      return {SendOutcome::kFailed, 1, detail};
    }

    CURL* curl_;
    curl_mime* mime_ = nullptr;
    curl_slist* headers_ = nullptr;
    curl_slist* rcpt_ = nullptr;
    std::array<char, CURL_ERROR_SIZE> error_{};
  };

  Started Submission(const Message& m, const std::string& subject, const std::string& text,
                     const std::string& html) {
    auto a = std::make_unique<EmailAttempt>();
    CURL* curl = a->curl_;
    if (curl == nullptr) {
      return {nullptr, {SendOutcome::kFailed, 1, "curl_easy_init failed"}};
    }
    const bool implicit_tls = smarthost_.ends_with(":465");
    const std::string url = (implicit_tls ? "smtps://" : "smtp://") + smarthost_ + "/" + hello_;
    const std::string mail_from = "<" + EmailAddress(from_) + ">";
    a->rcpt_ = curl_slist_append(nullptr, ("<" + m.to + ">").c_str());
    const std::vector<std::string> lines = {
        "From: " + EmailHeaderValue(from_),      "To: " + m.to,
        "Subject: " + EmailHeaderValue(subject), "Date: " + RfcDate(),
        "Message-ID: <" + m.id + "@rota>",       "Auto-Submitted: auto-generated",
        "X-Rota-Notification-Id: " + m.id,       "X-Rota-Kind: " + m.kind};
    for (const std::string& h : lines) {
      a->headers_ = curl_slist_append(a->headers_, h.c_str());
    }
    // multipart/mixed { multipart/alternative { text/plain, text/html } }
    a->mime_ = curl_mime_init(curl);
    curl_mime* alt = curl_mime_init(curl);
    curl_mimepart* part = curl_mime_addpart(alt);
    curl_mime_data(part, text.data(), text.size());
    curl_mime_type(part, "text/plain; charset=utf-8");
    curl_mime_encoder(part, "quoted-printable");
    part = curl_mime_addpart(alt);
    curl_mime_data(part, html.data(), html.size());
    curl_mime_type(part, "text/html; charset=utf-8");
    curl_mime_encoder(part, "quoted-printable");
    part = curl_mime_addpart(a->mime_);
    curl_mime_subparts(part, alt);
    curl_mime_type(part, "multipart/alternative");
    curl_slist* inline_disposition = curl_slist_append(nullptr, "Content-Disposition: inline");
    curl_mime_headers(part, inline_disposition, 1);

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_USE_SSL,
                     static_cast<long>(require_tls_ ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (!ca_file_.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file_.c_str());
    }
    if (!user_.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, user_.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, password_.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, a->rcpt_);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, a->headers_);
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, a->mime_);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, a->error_.data());
    return {std::move(a), {}};
  }

  static std::string RfcDate() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 64> buf{};
    const std::size_t n = std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return {buf.data(), n};
  }

  std::string name_;
  std::string smarthost_;
  std::string from_;
  std::string user_;
  std::string password_;
  bool require_tls_;
  std::string hello_;
  std::string ca_file_;
  Duration timeout_;
  std::string subject_;
  std::string text_;
  std::string html_;
};

}  // namespace

std::unique_ptr<Channel> MakeEmailChannel(const config::Channel& c) {
  return std::make_unique<EmailChannel>(c);
}

std::string EmailHeaderValue(std::string_view text) {
  std::string flat(text);
  for (char& ch : flat) {
    if (ch == '\r' || ch == '\n') {
      ch = ' ';
    }
  }
  const bool ascii = std::all_of(flat.begin(), flat.end(),
                                 [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
  if (ascii) {
    return flat;
  }
  // RFC 2047 Q encoding in words of at most 75 characters, never splitting
  // a UTF-8 sequence between words.
  constexpr std::string_view kOpen = "=?UTF-8?Q?";
  constexpr std::string_view kClose = "?=";
  constexpr std::size_t kMaxWord = 75;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) {
      out += out.empty() ? "" : " ";
      out += kOpen;
      out += word;
      out += kClose;
      word.clear();
    }
  };
  std::size_t i = 0;
  while (i < flat.size()) {
    // One whole UTF-8 sequence at a time.
    std::size_t len = 1;
    const auto lead = static_cast<unsigned char>(flat[i]);
    if (lead >= 0xF0) {
      len = 4;
    } else if (lead >= 0xE0) {
      len = 3;
    } else if (lead >= 0xC0) {
      len = 2;
    }
    len = std::min(len, flat.size() - i);
    std::string enc;
    for (std::size_t k = i; k < i + len; ++k) {
      const auto b = static_cast<unsigned char>(flat[k]);
      if (b == ' ') {
        enc += '_';
      } else if (std::isalnum(b) != 0 && b < 0x80) {
        enc += static_cast<char>(b);
      } else {
        enc += '=';
        enc += kHex[b >> 4];
        enc += kHex[b & 0xF];
      }
    }
    if (kOpen.size() + word.size() + enc.size() + kClose.size() > kMaxWord) {
      flush();
    }
    word += enc;
    i += len;
  }
  flush();
  return out;
}

std::string EmailAddress(std::string_view mailbox) {
  const auto open = mailbox.rfind('<');
  const auto close = mailbox.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(mailbox.substr(open + 1, close - open - 1));
  }
  return std::string(mailbox);
}

}  // namespace rota::notify
