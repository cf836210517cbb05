# The Debian package: `cpack -G DEB` in a build configured with the `package`
# preset (Release, hardened flags, prefix /usr, unit in /lib/systemd/system).
# `make deb` does both; docs/install.md says how to install the result.
#
# What goes in: rotad, rotactl, the unit, /etc/rota/rota.yaml and its rule
# files (conffiles: dpkg keeps an operator's edits on upgrade), the docs, a
# copyright and a changelog. Dependencies come from dpkg-shlibdeps (the
# libraries the binaries link), plus tzdata, which the date library reads at
# run time.

set(ROTA_DEB_DIR ${CMAKE_SOURCE_DIR}/packaging/deb)

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB ROTA_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md ${CMAKE_SOURCE_DIR}/docs/*.png)
install(FILES ${ROTA_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(FILES ${ROTA_DEB_DIR}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian wants the changelog compressed with no timestamp (gzip -n).
set(ROTA_CHANGELOG_GZ ${CMAKE_BINARY_DIR}/packaging/changelog.gz)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/packaging)
execute_process(COMMAND gzip -9nc ${ROTA_DEB_DIR}/changelog
                OUTPUT_FILE ${ROTA_CHANGELOG_GZ} COMMAND_ERROR_IS_FATAL ANY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ROTA_DEB_DIR}/changelog)
install(FILES ${ROTA_CHANGELOG_GZ} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Man pages from the binaries' own --help (help2man), in the package preset.
function(rota_man_page prog section summary)
  set(page ${CMAKE_BINARY_DIR}/packaging/${prog}.${section})
  add_custom_command(OUTPUT ${page}.gz
    COMMAND ${HELP2MAN} --no-info --section ${section} --name ${summary}
            --version-string ${PROJECT_VERSION} --include ${ROTA_DEB_DIR}/${prog}.h2m
            --output ${page} $<TARGET_FILE:${prog}>
    COMMAND gzip -9nf ${page}
    DEPENDS ${prog} ${ROTA_DEB_DIR}/${prog}.h2m VERBATIM)
  add_custom_target(man_${prog} ALL DEPENDS ${page}.gz)
  install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endfunction()
if(ROTA_MAN_PAGES)
  find_program(HELP2MAN help2man REQUIRED)
  rota_man_page(rotad 8 "alerting daemon that pages people only inside their working hours")
  rota_man_page(rotactl 1 "validate rota's config, query schedules and act on a running rotad")
endif()

# Every file under /etc/rota is a conffile.
file(GLOB ROTA_ROUTE_FILES RELATIVE ${CMAKE_SOURCE_DIR}/rules CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/rules/routes/*.yaml)
set(ROTA_CONFFILES "${ROTA_CONFIG_DIR}/rota.yaml\n")
foreach(f ${ROTA_ROUTE_FILES})
  string(APPEND ROTA_CONFFILES "${ROTA_CONFIG_DIR}/${f}\n")
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/packaging/conffiles "${ROTA_CONFFILES}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rota)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "rota developers <rota-dev@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "alerting daemon that pages people only inside their working hours")
set(CPACK_PACKAGE_DESCRIPTION
    "rota ingests monitoring events (Alertmanager webhooks, Prometheus alerts,
PagerDuty-style events), matches them against escalation rules kept in YAML
and routes each alert only to people who are inside their defined hours in
their own time zone. When nobody is, it holds the alert and delivers it the
moment someone's hours begin. It shows who is on duty and where the gaps in
coverage are, and exports Prometheus metrics.
.
This package contains rotad (the daemon, run by the rotad.service systemd
unit), rotactl (validation, on-call and coverage queries, and the API
client) and an example configuration in /etc/rota.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # rota_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://rota.example.com/")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${ROTA_DEB_DIR}/postinst ${ROTA_DEB_DIR}/postrm ${CMAKE_BINARY_DIR}/packaging/conffiles)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_FILE_NAME rota_${PROJECT_VERSION})
include(CPack)
