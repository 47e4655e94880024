#include "ui/export/gif_writer.h"

#include <QIODevice>

#include <gif_lib.h>

#include <vector>

namespace attnviz::ui {

namespace {

int writeToDevice(GifFileType* gif, const GifByteType* data, int length)
{
    auto* dev = static_cast<QIODevice*>(gif->UserData);
    return static_cast<int>(dev->write(reinterpret_cast<const char*>(data), length));
}

QString gifError(int code)
{
    const char* s = GifErrorString(code);
    return s ? QString::fromUtf8(s) : QStringLiteral("giflib error %1").arg(code);
}

} // namespace

GifWriter::GifWriter(QIODevice* out) : out_(out) {}

GifWriter::~GifWriter()
{
    if (gif_) {
        int err = 0;
        EGifCloseFile(gif_, &err);
    }
}

bool GifWriter::fail(QString* error, const QString& what, int code)
{
    if (error)
        *error = what + QStringLiteral(": ") + gifError(code);
    return false;
}

bool GifWriter::begin(const QSize& size, int loops, QString* error)
{
    if (size.width() < 1 || size.height() < 1 || size.width() > 65535 || size.height() > 65535) {
        if (error) *error = QStringLiteral("GIF size must be 1..65535 pixels per side");
        return false;
    }
    int err = 0;
    gif_ = EGifOpen(out_, &writeToDevice, &err);
    if (!gif_)
        return fail(error, QStringLiteral("cannot start the GIF"), err);
    EGifSetGifVersion(gif_, true);  // GIF89a: needed for the delays and the loop extension
    size_ = size;
    if (EGifPutScreenDesc(gif_, size.width(), size.height(), 8, 0, nullptr) == GIF_ERROR)
        return fail(error, QStringLiteral("cannot write the GIF header"), gif_->Error);
    // NETSCAPE2.0 application extension: sub-block 1, loop count (little endian).
    const GifByteType app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
    const GifByteType loop[] = {1, static_cast<GifByteType>(loops & 0xff), static_cast<GifByteType>((loops >> 8) & 0xff)};
    if (EGifPutExtensionLeader(gif_, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR || EGifPutExtensionBlock(gif_, sizeof app, app) == GIF_ERROR
        || EGifPutExtensionBlock(gif_, sizeof loop, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif_) == GIF_ERROR)
        return fail(error, QStringLiteral("cannot write the loop extension"), gif_->Error);
    return true;
}

bool GifWriter::addFrame(const QImage& frame, int delayCs, QString* error)
{
    if (!gif_) {
        if (error) *error = QStringLiteral("GIF not started");
        return false;
    }
    QImage img = frame.convertToFormat(QImage::Format_RGB32);
    if (img.size() != size_)
        img = img.scaled(size_, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    const int w = size_.width(), h = size_.height();
    const std::size_t count = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    std::vector<GifByteType> r(count), g(count), b(count), out(count);
    for (int y = 0; y < h; ++y) {
        const auto* line = reinterpret_cast<const QRgb*>(img.constScanLine(y));
        for (int x = 0; x < w; ++x) {
            const std::size_t i = static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x);
            r[i] = static_cast<GifByteType>(qRed(line[x]));
            g[i] = static_cast<GifByteType>(qGreen(line[x]));
            b[i] = static_cast<GifByteType>(qBlue(line[x]));
        }
    }
    int colors = 256;
    std::vector<GifColorType> palette(256);
    if (GifQuantizeBuffer(static_cast<unsigned>(w), static_cast<unsigned>(h), &colors, r.data(), g.data(), b.data(), out.data(), palette.data()) == GIF_ERROR)
        return fail(error, QStringLiteral("cannot quantise frame %1").arg(frames_ + 1), D_GIF_ERR_NOT_ENOUGH_MEM);
    ColorMapObject* map = GifMakeMapObject(256, palette.data());
    if (!map)
        return fail(error, QStringLiteral("cannot allocate a colour map"), E_GIF_ERR_NOT_ENOUGH_MEM);

    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSE_DO_NOT;
    gcb.UserInputFlag = false;
    gcb.DelayTime = std::max(delayCs, 1);
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    const std::size_t len = EGifGCBToExtension(&gcb, ext);
    bool ok = EGifPutExtension(gif_, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(len), ext) != GIF_ERROR
        && EGifPutImageDesc(gif_, 0, 0, w, h, false, map) != GIF_ERROR;
    for (int y = 0; ok && y < h; ++y)
        ok = EGifPutLine(gif_, out.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(w), w) != GIF_ERROR;
    GifFreeMapObject(map);
    if (!ok)
        return fail(error, QStringLiteral("cannot write frame %1").arg(frames_ + 1), gif_->Error);
    ++frames_;
    return true;
}

bool GifWriter::finish(QString* error)
{
    if (!gif_)
        return true;
    int err = 0;
    const int rc = EGifCloseFile(gif_, &err);
    gif_ = nullptr;
    if (rc == GIF_ERROR)
        return fail(error, QStringLiteral("cannot finish the GIF"), err);
    return true;
}

} // namespace attnviz::ui
