# cmake/install.cmake - what `make install` puts where: the libraries, the
# public headers, dorm.pc, the CMake package (find_package(dorm)), the
# license and changelog; and the `uninstall` target that removes them again.
# Included by CMakeLists.txt when DORM_INSTALL is on.
include(CMakePackageConfigHelpers)

set(DORM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/dorm)

# pkg-config: what a static link of libdorm needs, from DORM_DEPENDENCIES.
set(DORM_PC_REQUIRES_PRIVATE "")
set(DORM_PC_LIBS_PRIVATE "")
set(DORM_CONFIG_DEPENDENCIES "")
foreach(dep IN LISTS DORM_DEPENDENCIES)
    string(REPLACE " " ";" dep "${dep}")
    list(GET dep 0 dep_name)
    list(GET dep 1 dep_module)
    list(GET dep 2 dep_static)
    if(dep_static STREQUAL "Requires")
        list(APPEND DORM_PC_REQUIRES_PRIVATE ${dep_module})
    else()
        list(APPEND DORM_PC_LIBS_PRIVATE ${dep_static})
    endif()
    list(APPEND DORM_CONFIG_DEPENDENCIES "${dep_name} ${dep_module}")
endforeach()
foreach(lib IN LISTS DORM_SYSTEM_LIBRARIES)
    list(APPEND DORM_PC_LIBS_PRIVATE -l${lib})
endforeach()
list(JOIN DORM_PC_REQUIRES_PRIVATE " " DORM_PC_REQUIRES_PRIVATE)
list(JOIN DORM_PC_LIBS_PRIVATE " " DORM_PC_LIBS_PRIVATE)

# Directories relative to ${prefix} where possible, so that
# `pkg-config --define-variable=prefix=...` finds a tree installed elsewhere.
foreach(dir LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
        set(DORM_PC_${dir} "${CMAKE_INSTALL_${dir}}")
    else()
        set(DORM_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
    endif()
endforeach()
configure_file(dorm.pc.in dorm.pc @ONLY)

if(TARGET dorm_shared)
    install(TARGETS dorm_shared EXPORT dormTargets
            LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
    install(EXPORT dormTargets NAMESPACE dorm:: DESTINATION ${DORM_CMAKE_DIR})
endif()
install(TARGETS dorm EXPORT dormStaticTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT dormStaticTargets NAMESPACE dorm:: DESTINATION ${DORM_CMAKE_DIR})
install(FILES include/dorm.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/dorm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(FILES "${PROJECT_BINARY_DIR}/dorm.pc"
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES LICENSE README.md CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The CMake package: a release accepts a request for any earlier release of
# the same ABI (CONTRIBUTING.md): same major version, and before 1.0 the same
# minor version.
if(PROJECT_VERSION_MAJOR EQUAL 0)
    set(dorm_compatibility SameMinorVersion)
else()
    set(dorm_compatibility SameMajorVersion)
endif()
configure_package_config_file(cmake/dormConfig.cmake.in
    "${PROJECT_BINARY_DIR}/dormConfig.cmake" INSTALL_DESTINATION ${DORM_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/dormConfigVersion.cmake"
    COMPATIBILITY ${dorm_compatibility})
install(FILES "${PROJECT_BINARY_DIR}/dormConfig.cmake" "${PROJECT_BINARY_DIR}/dormConfigVersion.cmake"
        DESTINATION ${DORM_CMAKE_DIR})

# Last: say how programs find a shared library put where the dynamic linker
# does not look (and refresh its cache where it does).
install(CODE "set(DORM_INSTALL_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")")
install(SCRIPT cmake/install_notes.cmake)

# `make uninstall` (the Makefile) or `cmake --build <dir> --target uninstall`:
# removes what the last install from this build folder installed.
if(PROJECT_IS_TOP_LEVEL)
    add_custom_target(uninstall
        COMMAND ${CMAKE_COMMAND} -DMANIFEST=${PROJECT_BINARY_DIR}/install_manifest.txt
                -P ${PROJECT_SOURCE_DIR}/cmake/uninstall.cmake
        COMMENT "Removing the files listed in install_manifest.txt")
endif()
