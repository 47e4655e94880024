#pragma once
// Animated GIF (GIF89a, looping) through giflib: Qt reads GIF but does not write it. Frames are
// quantised to 256 colours each (median cut, giflib's GifQuantizeBuffer) with a local colour table.
// Writes to a QIODevice (export passes a QSaveFile, so the file appears atomically with the user's
// umask permissions instead of EGifOpenFileName's 0600).
#include <QImage>
#include <QString>

class QIODevice;
struct GifFileType;

namespace attnviz::ui {

class GifWriter {
public:
    explicit GifWriter(QIODevice* out);
    ~GifWriter();
    GifWriter(const GifWriter&) = delete;
    GifWriter& operator=(const GifWriter&) = delete;

    // Screen size and the NETSCAPE2.0 loop extension (loops = 0: forever).
    bool begin(const QSize& size, int loops, QString* error);
    // One frame shown for delayCs hundredths of a second; the image is converted to the screen size.
    bool addFrame(const QImage& frame, int delayCs, QString* error);
    // Writes the trailer and releases giflib's state.
    bool finish(QString* error);
    int frameCount() const { return frames_; }

private:
    bool fail(QString* error, const QString& what, int code);

    QIODevice* out_;
    GifFileType* gif_ = nullptr;
    QSize size_;
    int frames_ = 0;
};

} // namespace attnviz::ui
