// Which part of the build a wasm function comes from, by its (demangled) name: used by the size
// breakdown (bench/size.mjs) and the V8 profile summaries (bench/lib/cpuprofile.mjs).
// Where a function comes from, by its (demangled) name. A function wasm-opt inlined into
// another counts where it landed: compare the linked module's split for the unmerged picture.
export function origin(name) {
  if (/^(mb::|mb_|void mb::|bool mb::|int mb::|\(anonymous namespace\)::|_GLOBAL__)/.test(name))
    return "core (src/, wasm/)";
  if (
    /^br_|_f256$|^(le30_to_be8|be8_to_le30|point_\w+|p256_\w+|api_\w+|run_code|sha2small_\w+|make_\w+|ecdsa_\w+|rsa_\w+|hash_\w+|mkprime|mgf1|process_key|xm_\w+|mul_acc\w*|cc_\w+|add_f256|sub_f256|mul_f256|square_f256|reduce_f256|reduce_final_f256|mul20|square20|norm13|mul9|square9|reduce9?)$/.test(
      name,
    )
  )
    return "BearSSL";
  if (/nlohmann::/.test(name)) return "nlohmann::json";
  if (/std::|^__cxa|^__cxx|^operator new|^operator delete|^__gxx|__cxxabiv1|^abort_message/.test(name))
    return "libc++ / libc++abi";
  if (
    /^(dlmalloc|dlfree|dlrealloc|dlcalloc|internal_memalign|malloc|free|realloc|calloc|posix_memalign|aligned_alloc|sbrk|memcpy|memmove|memset|memcmp|memchr|str\w+|__\w+|_\w+|\w*printf\w*|printf_core|fmt_\w+|pop_arg|pad|out|getint|fwrite|fputs|abort|exit|qsort|isw?\w+|to\w+|wc\w+|mbr?to\w+|frexp\w*|scalbn\w*|fmod\w*|copysign\w*|fabs\w*|nan\w*|scanexp|sn_write|writev|decfloat|hexfloat|shgetc|shlim|dummy|close|lseek|fflush|stdio_\w+|emit|fputc|putc)$/.test(
      name,
    )
  )
    return "wasi-libc";
  return "other";
}
