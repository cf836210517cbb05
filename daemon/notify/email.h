// The email channel (SMTP through libcurl), private to notify/: channel.cpp
// builds it for `type: email`. EmailHeaderValue and EmailAddress are in
// channel.h (tests use them).
#pragma once

#include <memory>

#include "config/config.h"
#include "notify/channel.h"

namespace rota::notify {

std::unique_ptr<Channel> MakeEmailChannel(const config::Channel& c);

}  // namespace rota::notify
