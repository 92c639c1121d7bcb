# SPDX-License-Identifier: GPL-2.0-or-later
# install-config.cmake - run by cmake --install (and cpack): the files whose
# place or content depends on the prefix installed to, which is only known
# now (--prefix may differ from the configured one): the systemd unit names
# PREFIX/bin/shakedown; logrotate's config goes to /etc for the /usr prefix,
# PREFIX/etc otherwise; zsh completion to Debian's vendor-completions for
# /usr, site-functions otherwise. SD_SRC, SD_BIN, SD_BINDIR, SD_DOCDIR and
# SD_UNIT_DIR are set by CMakeLists.txt. DESTDIR is added by file(INSTALL).
set(CMAKE_INSTALL_FULL_BINDIR "${CMAKE_INSTALL_PREFIX}/${SD_BINDIR}")
set(CMAKE_INSTALL_FULL_DOCDIR "${CMAKE_INSTALL_PREFIX}/${SD_DOCDIR}")
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc "/etc")
  set(zsh "share/zsh/vendor-completions")
else()
  set(etc "${CMAKE_INSTALL_PREFIX}/etc")
  set(zsh "share/zsh/site-functions")
endif()
configure_file("${SD_SRC}/dist/shakedown@.service.in" "${SD_BIN}/dist/shakedown@.service" @ONLY)
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/${SD_UNIT_DIR}" TYPE FILE
     FILES "${SD_BIN}/dist/shakedown@.service")
file(INSTALL DESTINATION "${etc}/logrotate.d" TYPE FILE RENAME shakedown
     FILES "${SD_SRC}/dist/shakedown.logrotate")
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/${zsh}" TYPE FILE FILES "${SD_SRC}/dist/_shakedown")
